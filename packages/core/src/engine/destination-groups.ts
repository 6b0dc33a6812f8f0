/**
 * Compile stage 5, destination groups: for every node d, the (sources, port atoms) groups whose
 * union is what may enter d (ingress) and what may leave toward d (egress); all-pairs.ts reads
 * reachability off them.
 *
 * Without tier policies on d, a group is a rule: NetworkPolicy rules only ever add. Tier rules
 * are ordered and can deny or pass, so where they apply the groups are computed instead: the
 * ports are cut into regions that every rule involved either wholly covers or misses, and per
 * region the rules are walked in order with bitsets of sources still undecided — Admin tier,
 * then NetworkPolicy for isolated pods, then Baseline, then allowed. Destinations with the same
 * rules in play share the answer.
 */
import type { DestinationGroups } from './all-pairs.js';
import { emptyBitset, forEachBit, forEachCommonBit, fullBitset, hasBit, intersects, isEmptyBitset, isSubset, orInto, setBit, type Bitset } from './bitset.js';
import type { ClassState } from './class-stage.js';
import type { PeerSets } from './peer-sets.js';
import { ALL_PEERS, type CompiledTierRule, type PolicyTable } from './policy-table.js';
import { PairIds } from './pair-ids.js';
import { bitsetSlab, calicoIsKubernetes, calicoWalk, type WalkPolicy, type WalkRule, type WalkTier } from './calico-walk.js';

/** A group's `id` names its source set, so that merged unions can be shared (-1: a computed set). */
interface Group {
  src: Bitset;
  id: number;
  atoms: number;
}

/** One rule in the walk: the sources it holds, the port atoms it covers, what it does. */
interface Step {
  readonly sources: Bitset;
  readonly atoms: number;
  readonly action: 'Allow' | 'Deny' | 'Pass';
}

/** One tier of the walk: its steps in order, the sources it selects, what ends it for them. */
interface WalkStage {
  readonly steps: readonly Step[];
  readonly selected: Bitset | null;
  readonly end: 'Deny' | 'Pass';
}

/**
 * With `only`, just those destinations get their groups (the others none): what a diff of a few
 * pairs reads (CompiledCluster.reachToward); under Calico, the parts of destinations that walk
 * alike walk only when one of them is asked for.
 */
export function buildDestinationGroups(table: PolicyTable, state: ClassState, sets: PeerSets, only?: Bitset): DestinationGroups {
  const { policies } = table;
  const { classCount, nodeCount } = state;
  const { atomSets, allAtoms, atomsToward, namedSetOf, everyNode, rulePeerBits, classIngress } = sets;
  const words = everyNode.length;

  /**
   * Groups toward one destination that allow the same ports are one group with the union of
   * their sources: fewer groups keep forEachAllowed's membership masks short. The same unions
   * recur for every class a set of policies selects, so they are built once.
   */
  const mergeSameAtoms = (list: Group[], unions: Map<string | number, Bitset>): Group[] => {
    if (list.length < 2) return list;
    if (list.length <= 31) return mergeSameAtomsShort(list, unions);
    const byAtoms = new Map<number, Group[]>();
    for (const g of list) {
      const same = byAtoms.get(g.atoms);
      if (same) same.push(g);
      else byAtoms.set(g.atoms, [g]);
    }
    if (byAtoms.size === list.length) return list;
    const out: Group[] = [];
    for (const [atomsId, same] of byAtoms) {
      if (same.length === 1) {
        out.push(same[0]!);
        continue;
      }
      out.push({ src: mergedSources(same, unions), id: -1, atoms: atomsId });
    }
    return out;
  };

  /**
   * mergeSameAtoms for a short list (most destinations have a few groups), with the same result:
   * one group per atom set in the order of its first group, found by pairwise comparison and a
   * bit mask of the groups taken, without a Map and arrays per destination.
   */
  const sameScratch: Group[] = [];
  const mergeSameAtomsShort = (list: Group[], unions: Map<string | number, Bitset>): Group[] => {
    const n = list.length;
    let any = false;
    for (let i = 1; i < n && !any; i++) for (let j = 0; j < i; j++) if (list[j]!.atoms === list[i]!.atoms) any = true;
    if (!any) return list;
    const out: Group[] = [];
    let taken = 0;
    for (let i = 0; i < n; i++) {
      if ((taken >>> i) & 1) continue;
      const first = list[i]!;
      sameScratch.length = 0;
      sameScratch.push(first);
      for (let j = i + 1; j < n; j++) {
        if (list[j]!.atoms !== first.atoms) continue;
        taken |= 1 << j;
        sameScratch.push(list[j]!);
      }
      if (sameScratch.length === 1) {
        out.push(first);
        continue;
      }
      out.push({ src: mergedSources(sameScratch, unions), id: -1, atoms: first.atoms });
    }
    return out;
  };

  /**
   * The key of a union: its groups' ids, sorted; two ids (most unions) as one number, more as a
   * string (a number and a string never meet in a Map). Sorted in place, without a comparator
   * call or a temporary array per union: a compile makes one per destination.
   */
  const unionIds: number[] = [];
  /** The sources of groups that merge into one, made once per set of groups (by their ids). */
  const mergedSources = (same: readonly Group[], unions: Map<string | number, Bitset>): Bitset => {
    const key = unionKey(same);
    let src = unions.get(key);
    if (!src) {
      src = emptyBitset(nodeCount);
      for (const g of same) orInto(src, g.src);
      unions.set(key, src);
    }
    return src;
  };
  const unionKey = (same: readonly Group[]): string | number => {
    unionIds.length = 0;
    for (const g of same) {
      let i = unionIds.length;
      unionIds.push(g.id);
      while (i > 0 && unionIds[i - 1]! > g.id) {
        unionIds[i] = unionIds[i - 1]!;
        i--;
      }
      unionIds[i] = g.id;
    }
    if (unionIds.length === 2 && unionIds[0]! >= -2 && unionIds[1]! + 2 < 2 ** 26) return (unionIds[0]! + 2) * 2 ** 26 + unionIds[1]! + 2;
    return unionIds.join(',');
  };

  // The walk's working sets, reused by every walk (one compile walks for many destinations):
  // typed arrays and counters, so that a walk allocates little beyond the groups it returns.
  const undecided = new Uint32Array(words);
  const allowed = new Uint32Array(words);
  const passed = new Uint32Array(words);
  const atomCount = atomSets.atoms.count;
  const atomWords = atomSets.sets[allAtoms]!.length;
  /** Per atom: which of the walk's atom sets hold it (bit i: the i-th), and its region. */
  const signature = new Int32Array(atomCount);
  const regionOfAtom = new Int32Array(atomCount);
  /** The signatures of the first regions of a walk. */
  const regionSignature = new Int32Array(8);
  let cutBy: Int32Array = new Int32Array(32);
  let regionAtom: Int32Array = new Int32Array(32);
  let regionGroup: Int32Array = new Int32Array(32);
  /** The source sets walks have allowed, by a hash of their words. */
  const walkSources = new Map<number, Bitset[]>();
  /** New source sets the walks make (views of shared buffers). */
  const freshSet = bitsetSlab(nodeCount);
  const relabel = new Map<number, number>();

  /**
   * The regions of one walk: the atoms split by every atom set in play (`cutBy[0..sets)`), so
   * each rule covers a region or misses it. Returns how many; regionOfAtom and regionAtom (one
   * atom of each region: every atom of a region is covered alike) describe them.
   */
  const regionsOf = (sets: number): number => {
    if (sets <= 31) {
      // Two atoms share a region when their signatures are equal.
      signature.fill(0);
      for (let i = 0; i < sets; i++) {
        const set = atomSets.sets[cutBy[i]!]!;
        for (let a = 0; a < atomCount; a++) if (((set[a >>> 5]! >>> (a & 31)) & 1) !== 0) signature[a]! |= 1 << i;
      }
      // Regions numbered in the order of their first atom: a short list of the signatures seen
      // (most walks cut the ports into a few regions), a map once there are many.
      let regions = 0;
      relabel.clear();
      for (let a = 0; a < atomCount; a++) {
        const sig = signature[a]!;
        let r = 0;
        if (regions <= 8) {
          while (r < regions && regionSignature[r] !== sig) r++;
          if (r === regions && regions === 8) for (let q = 0; q < 8; q++) relabel.set(regionSignature[q]!, q);
        } else r = relabel.get(sig) ?? regions;
        if (r === regions) {
          if (regions === regionAtom.length) regionAtom = grow(regionAtom);
          if (regions < 8) regionSignature[regions] = sig;
          else relabel.set(sig, regions);
          regionAtom[regions++] = a;
        }
        regionOfAtom[a] = r;
      }
      return regions;
    }
    // Many sets: relabel set by set (two atoms share a label while every set so far has both or neither).
    regionOfAtom.fill(0);
    let labels = 1;
    for (let i = 0; i < sets; i++) {
      const set = atomSets.sets[cutBy[i]!]!;
      relabel.clear();
      for (let a = 0; a < atomCount; a++) {
        if (((set[a >>> 5]! >>> (a & 31)) & 1) === 0) continue;
        const old = regionOfAtom[a]!;
        let l = relabel.get(old);
        if (l === undefined) relabel.set(old, (l = labels++));
        regionOfAtom[a] = l;
      }
    }
    relabel.clear();
    let regions = 0;
    for (let a = 0; a < atomCount; a++) {
      let r = relabel.get(regionOfAtom[a]!);
      if (r === undefined) {
        relabel.set(regionOfAtom[a]!, (r = regions++));
        if (r === regionAtom.length) regionAtom = grow(regionAtom);
        regionAtom[r] = a;
      }
      regionOfAtom[a] = r;
    }
    return regions;
  };

  /**
   * The groups for one destination where ordered rules apply: `stages` are the tiers in order,
   * each its rules in play in order, the sources it selects (`selected`, for its end) and what
   * ends it for those sources when no rule decided: Deny, or Pass to the next stage. Pass rules
   * go to the next stage too; past the last stage, allowed. (Without Calico the stages are
   * Admin, NetworkPolicy — its groups are Allow steps and it denies the sources it isolates —
   * and Baseline.)
   */
  /** Identity numbers of source sets (bitsets are shared, not rebuilt, across destinations). */
  const setIds = new Map<Bitset, number>();
  const setId = (b: Bitset): number => {
    let id = setIds.get(b);
    if (id === undefined) setIds.set(b, (id = setIds.size));
    return id;
  };
  /** Whether a source set holds nothing (a group of it adds nothing), once per set. */
  const emptySets = new Map<Bitset, boolean>();
  const holdsNone = (b: Bitset): boolean => {
    let empty = emptySets.get(b);
    if (empty === undefined) emptySets.set(b, (empty = isEmptyBitset(b)));
    return empty;
  };

  /**
   * A walk whose one deciding stage holds Allow steps only and ends in Deny for what it selects
   * (with nothing before or after it but empty Pass stages) is NetworkPolicy's union: what a
   * step holds on its ports, and every port for the sources the stage does not select (they
   * pass the last tier). Those groups are the answer as they are, with no walk per region —
   * Kubernetes NetworkPolicies alone in Calico's default tier. null: walk.
   */
  const allowListGroups = (stages: readonly WalkStage[]): Group[] | null => {
    let deciding: WalkStage | undefined;
    for (const stage of stages) {
      if (stage.steps.length === 0 && stage.end === 'Pass') continue;
      if (deciding || stage.end !== 'Deny' || stage.selected === null) return null;
      for (const step of stage.steps) if (step.action !== 'Allow') return null;
      deciding = stage;
    }
    if (!deciding) return [{ src: everyNode, id: -1, atoms: allAtoms }];
    const list: Group[] = [];
    for (const step of deciding.steps) if (!atomSets.isEmpty(step.atoms)) list.push({ src: step.sources, id: setId(step.sources), atoms: step.atoms });
    const selected = deciding.selected!;
    if (selected !== everyNode) {
      let rest = unselected.get(selected);
      if (rest === undefined) {
        const b = everyNode.slice();
        for (let w = 0; w < words; w++) b[w]! &= ~selected[w]!;
        unselected.set(selected, (rest = isEmptyBitset(b) ? null : b));
      }
      if (rest) list.push({ src: rest, id: setId(rest), atoms: allAtoms });
    }
    return mergeSameAtoms(list, walkUnions);
  };
  const unselected = new Map<Bitset, Bitset | null>();
  const walkUnions = new Map<string | number, Bitset>();

  const walkGroups = (stages: readonly WalkStage[]): Group[] => {
    const plain = allowListGroups(stages);
    if (plain) return plain;
    const merged = printStages(stages, stages.length);
    const known = printFind(walked);
    if (known) return known;
    const groups = walkRegions(merged ?? stages);
    printKeep(walked, groups);
    return groups;
  };
  // Rules next to each other in a tier with the same action and ports are one rule over the
  // union of their sources (the second decides what the first left of its sources, alike):
  // fifty policies passing their own subjects to the next tier are one step.
  // Destinations that walk apart (other policies or named ports) often meet the same steps:
  // a walk is a function of its steps' sources, ports and actions and its stages' ends. Those
  // numbers, in order, are the walk's print; walks are kept by a hash of it, and a hit
  // compares the whole print.
  let print = new Float64Array(256);
  let printN = 0;
  let printHash = 0;
  const printAdd = (x: number) => {
    if (printN === print.length) {
      const longer = new Float64Array(print.length * 2);
      longer.set(print);
      print = longer;
    }
    print[printN++] = x;
    printHash = Math.imul(printHash ^ x, 0x9e3779b1) ^ (printHash >>> 15);
  };
  /**
   * The print of the first `count` stages (into print, printN, printHash), with like steps next
   * to each other merged: the stages as they walk, or undefined when nothing merged.
   */
  const printStages = (stages: readonly WalkStage[], count: number): WalkStage[] | undefined => {
    printN = 0;
    printHash = 0;
    let merged: WalkStage[] | undefined;
    for (let i = 0; i < count; i++) {
      const stage = stages[i]!;
      const steps = stage.steps;
      let kept: Step[] | undefined;
      for (let j = 0; j < steps.length; j++) {
        let step = steps[j]!;
        // The run of steps like this one: their sources' union (kept per pair of source sets).
        let k = j + 1;
        if (k < steps.length && steps[k]!.atoms === step.atoms && steps[k]!.action === step.action) {
          let sources = step.sources;
          for (; k < steps.length && steps[k]!.atoms === step.atoms && steps[k]!.action === step.action; k++) sources = unionOf(sources, steps[k]!.sources);
          step = { sources, atoms: step.atoms, action: step.action };
          kept ??= steps.slice(0, j);
          j = k - 1;
        }
        if (kept) kept.push(step);
        printAdd(setId(step.sources) * 4 + (step.action === 'Allow' ? 0 : step.action === 'Deny' ? 1 : 2));
        printAdd(step.atoms);
      }
      if (kept || merged) (merged ??= stages.slice(0, i)).push(kept ? { steps: kept, selected: stage.selected, end: stage.end } : stage);
      printAdd(-1 - (stage.selected ? setId(stage.selected) + 1 : 0) * 2 - (stage.end === 'Deny' ? 0 : 1));
    }
    return merged;
  };
  type PrintMemo<T> = Map<number, { readonly start: number; readonly length: number; readonly value: T }[]>;
  /** What `memo` keeps for the current print. */
  const printFind = <T>(memo: PrintMemo<T>): T | undefined => {
    const bucket = memo.get(printHash);
    if (!bucket) return undefined;
    for (const w of bucket) {
      if (w.length !== printN) continue;
      let i = 0;
      while (i < printN && prints[w.start + i] === print[i]) i++;
      if (i === printN) return w.value;
    }
    return undefined;
  };
  /** Keeps `value` for the current print. The prints are kept end to end in one array (not an array each). */
  const printKeep = <T>(memo: PrintMemo<T>, value: T): void => {
    if (printsEnd + printN > prints.length) {
      const longer = new Float64Array(Math.max(prints.length * 2, printsEnd + printN));
      longer.set(prints);
      prints = longer;
    }
    prints.set(print.subarray(0, printN), printsEnd);
    let bucket = memo.get(printHash);
    if (!bucket) memo.set(printHash, (bucket = []));
    bucket.push({ start: printsEnd, length: printN, value });
    printsEnd += printN;
  };
  let prints = new Float64Array(4096);
  let printsEnd = 0;
  const walked: PrintMemo<Group[]> = new Map();
  /** a | b, once per pair of source sets (a union is itself a source set, with its own id). */
  const unions = new Map<number, Map<number, Bitset>>();
  const unionOf = (a: Bitset, b: Bitset): Bitset => {
    if (a === b) return a;
    const ia = setId(a);
    const ib = setId(b);
    let inner = unions.get(Math.min(ia, ib));
    if (!inner) unions.set(Math.min(ia, ib), (inner = new Map()));
    let u = inner.get(Math.max(ia, ib));
    if (!u) {
      if (isSubset(b, a)) u = a;
      else if (isSubset(a, b)) u = b;
      else {
        u = freshSet();
        for (let w = 0; w < words; w++) u[w] = a[w]! | b[w]!;
      }
      inner.set(Math.max(ia, ib), u);
    }
    return u;
  };

  /** Per source set: its first non-zero word and one past its last, as lo * (words + 1) + hi. */
  const spans = new Map<Bitset, number>();
  const spanOf = (b: Bitset): number => {
    let span = spans.get(b);
    if (span === undefined) {
      let lo = 0;
      while (lo < words && b[lo] === 0) lo++;
      let hi = words;
      while (hi > lo && b[hi - 1] === 0) hi--;
      span = lo * (words + 1) + hi;
      spans.set(b, span);
    }
    return span;
  };

  /** The atom sets the steps of the first `count` stages cut the ports by, into cutBy: how many. */
  const cutsOf = (stages: readonly WalkStage[], count: number): number => {
    let sets = 0;
    for (let i = 0; i < count; i++) {
      const steps = stages[i]!.steps;
      for (let j = 0; j < steps.length; j++) {
        const id = steps[j]!.atoms;
        if (id === allAtoms) continue;
        let seen = 0;
        while (seen < sets && cutBy[seen] !== id) seen++;
        if (seen < sets) continue;
        if (sets === cutBy.length) cutBy = grow(cutBy);
        cutBy[sets++] = id;
      }
    }
    return sets;
  };

  /**
   * The first `count` stages walked for the ports of atom `a0` (a region's: every atom of it is
   * covered alike): what they allow is left in `allowed`, what is still undecided past the last
   * of them in `undecided`.
   */
  const walkRegion = (stages: readonly WalkStage[], count: number, a0: number): void => {
    undecided.set(everyNode);
    allowed.fill(0);
    for (let i = 0; i < count; i++) {
      const stage = stages[i]!;
      passed.fill(0);
      for (let j = 0; j < stage.steps.length; j++) {
        const s = stage.steps[j]!;
        if (!hasBit(atomSets.sets[s.atoms]!, a0)) continue;
        // Only the words where the step has sources (most hold a namespace or a few).
        const span = spanOf(s.sources);
        const lo = Math.floor(span / (words + 1));
        const hi = span - lo * (words + 1);
        for (let w = lo; w < hi; w++) {
          const m = s.sources[w]! & undecided[w]!;
          if (m !== 0) {
            if (s.action === 'Allow') allowed[w]! |= m;
            else if (s.action === 'Pass') passed[w]! |= m;
            undecided[w]! &= ~m;
          }
        }
        // Nothing left undecided: the rest of the tier decides nothing (asked after a step
        // over every word, which is what usually leaves nothing).
        if (lo === 0 && hi === words) {
          let left = 0;
          for (let w = 0; w < words && left === 0; w++) left |= undecided[w]!;
          if (left === 0) break;
        }
      }
      if (stage.end === 'Deny' && stage.selected === everyNode) undecided.fill(0);
      else if (stage.end === 'Deny' && stage.selected) for (let w = 0; w < words; w++) undecided[w]! &= ~stage.selected[w]!;
      orInto(undecided, passed);
    }
  };

  /**
   * The set held in `scratch` as one bitset for the whole compile (null when empty): walks often
   * end alike, and equal sets that are one object are one group and one memo key. Found by a
   * hash of the words, then compared (as unsigned words: the scratch is a Uint32Array too).
   */
  const keptSet = (scratch: Uint32Array): Bitset | null => {
    let hash = 0;
    let any = 0;
    for (let w = 0; w < words; w++) {
      const x = scratch[w]!;
      any |= x;
      hash = Math.imul(hash ^ x, 0x9e3779b1);
    }
    if (any === 0) return null;
    let bucket = walkSources.get(hash);
    if (bucket) {
      for (const b of bucket) {
        let w = 0;
        while (w < words && b[w] === scratch[w]) w++;
        if (w === words) return b;
      }
    } else walkSources.set(hash, (bucket = []));
    const src = freshSet();
    src.set(scratch);
    bucket.push(src);
    return src;
  };
  const joined = new Uint32Array(words);

  const walkRegions = (stages: readonly WalkStage[]): Group[] => {
    const regions = regionsOf(cutsOf(stages, stages.length));
    // Per region, what is allowed: what the walk allows and what is still undecided past the
    // last tier. Regions allowing the same sources are one group.
    const sources: Bitset[] = [];
    if (regionGroup.length < regions) regionGroup = new Int32Array(regions);
    for (let k = 0; k < regions; k++) {
      walkRegion(stages, stages.length, regionAtom[k]!);
      for (let w = 0; w < words; w++) joined[w] = allowed[w]! | undecided[w]!;
      const src = keptSet(joined);
      regionGroup[k] = -1;
      if (src === null) continue;
      let g = 0;
      while (g < sources.length && sources[g] !== src) g++;
      if (g === sources.length) sources.push(src);
      regionGroup[k] = g;
    }
    const atomsOfGroup = sources.map(() => new Uint32Array(atomWords));
    for (let a = 0; a < atomCount; a++) {
      const g = regionGroup[regionOfAtom[a]!]!;
      if (g >= 0) setBit(atomsOfGroup[g]!, a);
    }
    return sources.map((src, g) => ({ src, id: -1, atoms: atomSets.intern(atomsOfGroup[g]!) }));
  };

  /**
   * The first `count` stages walked, not ended: per region of the ports they cut, what they
   * allow and what they leave undecided for the stages after them (null: nothing). Regions alike
   * in both are one.
   */
  interface Prefix {
    readonly atoms: readonly number[];
    readonly allowed: readonly (Bitset | null)[];
    readonly undecided: readonly (Bitset | null)[];
  }
  const walkPrefix = (stages: readonly WalkStage[], count: number): Prefix => {
    const regions = regionsOf(cutsOf(stages, count));
    const allowedOf: (Bitset | null)[] = [];
    const undecidedOf: (Bitset | null)[] = [];
    if (regionGroup.length < regions) regionGroup = new Int32Array(regions);
    for (let k = 0; k < regions; k++) {
      walkRegion(stages, count, regionAtom[k]!);
      const a = keptSet(allowed);
      const u = keptSet(undecided);
      let g = 0;
      while (g < allowedOf.length && (allowedOf[g] !== a || undecidedOf[g] !== u)) g++;
      if (g === allowedOf.length) {
        allowedOf.push(a);
        undecidedOf.push(u);
      }
      regionGroup[k] = g;
    }
    const atomsOf = allowedOf.map(() => new Uint32Array(atomWords));
    for (let a = 0; a < atomCount; a++) setBit(atomsOf[regionGroup[regionOfAtom[a]!]!]!, a);
    return { atoms: atomsOf.map((b) => atomSets.intern(b)), allowed: allowedOf, undecided: undecidedOf };
  };

  /** Admin tier, NetworkPolicy (its groups allow, and it denies what it isolates), Baseline tier. */
  const tierGroups = (admin: readonly Step[], networkPolicy: readonly Group[], isolated: Bitset, baseline: readonly Step[]): Group[] =>
    walkGroups([
      { steps: admin, selected: null, end: 'Pass' },
      { steps: networkPolicy.map((g) => ({ sources: g.src, atoms: g.atoms, action: 'Allow' as const })), selected: isolated, end: 'Deny' },
      { steps: baseline, selected: null, end: 'Pass' },
    ]);

  if (table.calico && !calicoIsKubernetes(table, state)) {
    const { inLists, egLists } = calicoLists(calicoWalk(table, state, sets));
    return result(inLists, egLists);
  }

  /**
   * Nodes 0..n-1 split by their named-port set and by every set in `splitters`: nodes in one
   * part are in the same sets. Each part lists its nodes, ascending.
   */
  function partition(n: number, splitters: readonly Bitset[]): number[][] {
    const label = new Int32Array(n);
    let next = 0;
    const initial = new Map<number, number>();
    for (let d = 0; d < n; d++) {
      const np = namedSetOf(d);
      let l = initial.get(np);
      if (l === undefined) initial.set(np, (l = next++));
      label[d] = l;
    }
    const done = new Set<Bitset>();
    const relabel = new Map<number, number>();
    for (const b of splitters) {
      if (done.has(b)) continue;
      done.add(b);
      relabel.clear();
      for (let w = 0; w < b.length; w++) {
        let x = b[w]!;
        while (x !== 0) {
          const low = x & -x;
          x ^= low;
          const d = (w << 5) + 31 - Math.clz32(low);
          if (d >= n) break;
          const old = label[d]!;
          let l = relabel.get(old);
          if (l === undefined) relabel.set(old, (l = next++));
          label[d] = l;
        }
      }
    }
    const parts = new Map<number, number[]>();
    for (let d = 0; d < n; d++) {
      const part = parts.get(label[d]!);
      if (part) part.push(d);
      else parts.set(label[d]!, [d]);
    }
    return [...parts.values()];
  }

  /**
   * Calico: per destination, the tiers' steps in play. Ingress into d: the policies selecting d,
   * their rules that apply to d and whose peers are the sources. Egress toward d: the rules whose
   * peers hold d, from their policies' subjects; each tier ends for every source it selects.
   */
  function calicoLists(walk: readonly WalkTier[]): { inLists: Group[][]; egLists: Group[][] } {
    // When a destination's last deciding tier is an allow list (Kubernetes NetworkPolicies and
    // Calico allow rules in the default tier, as most clusters have), the tiers before it are
    // walked once per print (destinations in one team or namespace share them) and the allow list
    // goes after each of their regions directly: per region, what they allowed, each allow
    // step's sources among what they left undecided (on the step's ports in the region), and
    // what they left undecided that the last tier does not select. Else the whole walk.
    const prefixWalked: PrintMemo<Prefix> = new Map();
    const stageGroups = (stages: readonly WalkStage[]): Group[] => {
      let last = stages.length - 1;
      while (last >= 0 && stages[last]!.steps.length === 0 && stages[last]!.end === 'Pass') last--;
      if (last < 1) return walkGroups(stages);
      const tail = stages[last]!;
      if (tail.end !== 'Deny' || tail.selected === null) return walkGroups(stages);
      for (const step of tail.steps) if (step.action !== 'Allow') return walkGroups(stages);
      const merged = printStages(stages, last);
      let prefix = printFind(prefixWalked);
      if (!prefix) {
        prefix = walkPrefix(merged ?? stages, last);
        printKeep(prefixWalked, prefix);
      }
      const out: Group[] = [];
      const add = (src: Bitset, atoms: number) => {
        for (let i = 0; i < out.length; i++) {
          if (out[i]!.src !== src) continue;
          out[i] = { src, id: out[i]!.id, atoms: atomsJoin(out[i]!.atoms, atoms, false) };
          return;
        }
        out.push({ src, id: setId(src), atoms });
      };
      for (let k = 0; k < prefix.atoms.length; k++) {
        const region = prefix.atoms[k]!;
        const a = prefix.allowed[k]!;
        const u = prefix.undecided[k]!;
        if (a) add(a, region);
        if (!u) continue;
        if (tail.selected !== everyNode) {
          const rest = setMeet(u, tail.selected!, true);
          if (rest) add(rest, region);
        }
        for (const step of tail.steps) {
          const atoms = atomsJoin(step.atoms, region, true);
          if (atomSets.isEmpty(atoms)) continue;
          const src = setMeet(step.sources, u, false);
          if (src) add(src, atoms);
        }
      }
      return mergeSameAtoms(out, walkUnions);
    };
    /** a & b (a & ~b with `not`), once per pair of source sets, kept as walk results are (null: empty). */
    const meets = [new Map<number, Bitset | null>(), new Map<number, Bitset | null>()] as const;
    const setMeet = (a: Bitset, b: Bitset, not: boolean): Bitset | null => {
      const memo = meets[not ? 1 : 0];
      const key = setId(a) * 2 ** 26 + setId(b);
      let m = memo.get(key);
      if (m === undefined) {
        if (not) for (let w = 0; w < words; w++) joined[w] = a[w]! & ~b[w]!;
        else for (let w = 0; w < words; w++) joined[w] = a[w]! & b[w]!;
        m = keptSet(joined);
        // The same set as `a`: `a` itself (one object, one group).
        if (m !== null && m !== a) {
          let w = 0;
          while (w < words && m[w] === a[w]) w++;
          if (w === words) m = a;
        }
        memo.set(key, m);
      }
      return m;
    };
    /** Atom sets intersected (or joined), once per pair. */
    const atomMemo = [new Map<number, number>(), new Map<number, number>()] as const;
    const atomsJoin = (a: number, b: number, and: boolean): number => {
      if (a === b) return a;
      if (a === allAtoms) return and ? b : a;
      if (b === allAtoms) return and ? a : b;
      const memo = atomMemo[and ? 1 : 0];
      const key = a < b ? a * 2 ** 26 + b : b * 2 ** 26 + a;
      let id = memo.get(key);
      if (id === undefined) {
        const x = atomSets.sets[a]!;
        const y = atomSets.sets[b]!;
        id = atomSets.intern(and ? x.map((w, i) => w & y[i]!) : x.map((w, i) => w | y[i]!));
        memo.set(key, id);
      }
      return id;
    };
    const notMemo = new Map<string, number>();
    const atomsOf = (r: WalkRule, d: number): number => {
      const np = namedSetOf(d);
      const a = atomsToward(r.ports, np);
      if (r.notPorts < 0) return a;
      const b = atomsToward(r.notPorts, np);
      const key = `${a}-${b}`;
      let id = notMemo.get(key);
      if (id === undefined) {
        const x = atomSets.sets[a]!;
        const y = atomSets.sets[b]!;
        id = atomSets.intern(x.map((w, i) => w & ~y[i]!));
        notMemo.set(key, id);
      }
      return id;
    };
    // Ingress into class d: the policies selecting d and their rules that apply to d. Classes
    // alike in those (and in their named ports) walk alike: one walk per part of that partition.
    const inSplit: Bitset[] = [];
    const inPolicies: { readonly t: number; readonly p: WalkPolicy }[] = [];
    walk.forEach((tier, t) => {
      for (const p of tier.policies) {
        if (p.ingress === null) continue;
        inSplit.push(p.subject);
        for (const r of p.ingress) if (r.local !== null && !isSubset(p.subject, r.local)) inSplit.push(r.local);
        inPolicies.push({ t, p });
      }
    });
    const inParts = partition(classCount, inSplit);
    // Which policies of which tier select each part's first class, in walk order (inverted once,
    // word by word, not asked per class).
    const first = new Int32Array(classCount).fill(-1);
    for (let k = 0; k < inParts.length; k++) first[inParts[k]![0]!] = k;
    const selectedBy: (typeof inPolicies)[] = Array.from({ length: inParts.length }, () => []);
    for (const entry of inPolicies) {
      const b = entry.p.subject;
      for (let w = 0; w < b.length; w++) {
        let x = b[w]!;
        while (x !== 0) {
          const low = x & -x;
          x ^= low;
          const c = (w << 5) + 31 - Math.clz32(low);
          if (c < classCount && first[c]! >= 0) selectedBy[first[c]!]!.push(entry);
        }
      }
    }
    // Steps, their lists and the stages are scratch, reused part to part: a walk keeps none of
    // them (what it keeps is groups of bitsets), so a compile does not make ~15,000 of them.
    type Scratch<T> = { -readonly [K in keyof T]: T[K] };
    const stepPool: Scratch<Step>[] = [];
    const listPool: Step[][] = [];
    const stagePool: Scratch<WalkStage>[] = [];
    let stepsUsed = 0;
    let listsUsed = 0;
    let stagesUsed = 0;
    const stages: WalkStage[] = [];
    const newPart = () => {
      stepsUsed = 0;
      listsUsed = 0;
      stagesUsed = 0;
      stages.length = 0;
    };
    const stepOf = (sources: Bitset, atoms: number, action: Step['action']): Step => {
      let s = stepPool[stepsUsed++];
      if (!s) stepPool.push((s = { sources, atoms, action }));
      else {
        s.sources = sources;
        s.atoms = atoms;
        s.action = action;
      }
      return s;
    };
    const stepList = (): Step[] => {
      let l = listPool[listsUsed++];
      if (!l) listPool.push((l = []));
      else l.length = 0;
      return l;
    };
    const addStage = (steps: Step[], selected: Bitset | null, end: WalkStage['end']) => {
      let s = stagePool[stagesUsed++];
      if (!s) stagePool.push((s = { steps, selected, end }));
      else {
        s.steps = steps;
        s.selected = selected;
        s.end = end;
      }
      stages.push(s);
    };
    const inLists: Group[][] = new Array<Group[]>(nodeCount);
    const asked = (part: readonly number[], lists: Group[][]): boolean => {
      if (!only || part.some((d) => hasBit(only, d))) return true;
      for (const d of part) lists[d] = [];
      return false;
    };
    for (let k = 0; k < inParts.length; k++) {
      const part = inParts[k]!;
      if (!asked(part, inLists)) continue;
      const d = part[0]!;
      newPart();
      const selecting = selectedBy[k]!;
      let steps = stepList();
      // A rule over every source and port decides the rest of its tier: later rules there are left out.
      let decided = -1;
      for (let i = 0; i < selecting.length; i++) {
        const { t, p } = selecting[i]!;
        const rules = p.ingress!;
        for (let j = 0; j < rules.length && decided !== t; j++) {
          const r = rules[j]!;
          if (r.local !== null && !hasBit(r.local, d)) continue;
          const atoms = atomsOf(r, d);
          steps.push(stepOf(r.peer, atoms, r.action));
          if (r.full && atoms === allAtoms) decided = t;
        }
        if (i + 1 === selecting.length || selecting[i + 1]!.t !== t) {
          addStage(steps, everyNode, walk[t]!.end);
          steps = stepList();
        }
      }
      const groups = stageGroups(stages);
      for (let i = 0; i < part.length; i++) inLists[part[i]!] = groups;
    }
    for (let d = classCount; d < nodeCount; d++) inLists[d] = [{ src: everyNode, id: ALL_PEERS, atoms: allAtoms }];

    // Egress toward d: per tier, the sources it selects and its rules with their sources; the
    // rules whose peers hold d are the steps. Nodes held by the same rules walk alike.
    const tiers = walk.map((tier) => {
      const selected = freshSet();
      let rules: { rule: WalkRule; sources: Bitset }[] = [];
      for (const p of tier.policies) {
        if (p.egress === null) continue;
        orInto(selected, p.subject);
        for (const r of p.egress) {
          let sources = p.subject;
          if (r.local !== null) {
            sources = freshSet();
            for (let w = 0; w < words; w++) sources[w] = p.subject[w]! & r.local[w]!;
          }
          rules.push({ rule: r, sources });
        }
      }
      // A tier of allow rules alone (Kubernetes NetworkPolicies in the default tier): their order
      // decides nothing, so rules alike in peers and ports are one rule over all their sources
      // ("allow DNS" in every namespace is one rule), joined once here, not per destination.
      if (rules.length > 1 && rules.every((e) => e.rule.action === 'Allow')) {
        const byKey = new Map<string, { rule: WalkRule; sources: Bitset }>();
        const joined = new Set<{ rule: WalkRule; sources: Bitset }>();
        for (const e of rules) {
          const k = `${setId(e.rule.peer)}:${e.rule.ports}:${e.rule.notPorts}`;
          const known = byKey.get(k);
          if (!known) byKey.set(k, { rule: e.rule, sources: e.sources });
          else if (known.sources !== e.sources) {
            if (!joined.has(known)) {
              const own = freshSet();
              own.set(known.sources);
              known.sources = own;
              joined.add(known);
            }
            orInto(known.sources, e.sources);
          }
        }
        if (byKey.size < rules.length) rules = [...byKey.values()];
      }
      return { end: tier.end, selected, rules, any: !isEmptyBitset(selected) };
    });
    const egParts = partition(nodeCount, tiers.flatMap((t) => t.rules.map((e) => e.rule.peer)));
    const egLists: Group[][] = new Array<Group[]>(nodeCount);
    for (let k = 0; k < egParts.length; k++) {
      const part = egParts[k]!;
      if (!asked(part, egLists)) continue;
      const d = part[0]!;
      newPart();
      for (const tier of tiers) {
        if (!tier.any) continue;
        const steps = stepList();
        const rules = tier.rules;
        for (let j = 0; j < rules.length; j++) {
          const { rule, sources } = rules[j]!;
          if (hasBit(rule.peer, d)) steps.push(stepOf(sources, atomsOf(rule, d), rule.action));
        }
        addStage(steps, tier.selected, tier.end);
      }
      const groups = stageGroups(stages);
      for (let i = 0; i < part.length; i++) egLists[part[i]!] = groups;
    }
    return { inLists, egLists };
  }

  // --- Ingress -------------------------------------------------------------------------
  const hasTiers = table.admin.length + table.baseline.length > 0;
  const ingressSteps = (d: number, tier: typeof table.admin, subjects: readonly Bitset[]): { steps: Step[]; key: string } => {
    const steps: Step[] = [];
    let key = '';
    tier.forEach((p, i) => {
      if (p.ingress.length === 0 || !hasBit(subjects[i]!, d)) return;
      for (const r of p.ingress) {
        steps.push({ sources: rulePeerBits[r.peers]!, atoms: atomsToward(r.ports, namedSetOf(d)), action: r.action });
        key += `${r.uid},`;
      }
    });
    return { steps, key };
  };
  const npIngressGroups = (d: number): Group[] => {
    const list: Group[] = [];
    const seen = new Set<string>();
    for (const pi of classIngress[d]!) {
      for (const r of policies[pi]!.ingress!) {
        const a = atomsToward(r.ports, namedSetOf(d));
        if (atomSets.isEmpty(a)) continue;
        const key = `${r.peers}:${a}`;
        if (seen.has(key)) continue;
        seen.add(key);
        list.push({ src: rulePeerBits[r.peers]!, id: r.peers, atoms: a });
      }
    }
    return list;
  };

  /**
   * Under Cilium (reference/cilium.ts): the deny rules of the policies selecting d are Deny steps
   * before any allow list; the allow rules of those policies join NetworkPolicy's allow groups;
   * d is isolated when it is in default deny.
   *
   * Cilium's order is simpler than the tiers': a deny overrides, allows are a union. So each
   * allow group loses, per region of the ports the deny rules cut, the sources denied there —
   * no walk per region of every group's ports.
   */
  interface DenyRegions {
    /** Per region of the ports: its atoms (an atom-set id) and the sources denied there. */
    readonly atoms: readonly number[];
    readonly denied: readonly (readonly Bitset[])[];
    /** Per region: a number naming its denied source sets (kept sources are keyed by it). */
    readonly deniedId: readonly number[];
    /** Numbers the deny lists. */
    readonly id: number;
  }
  /**
   * Numbers for pairs of numbers (a tuple is pairs of pairs; a list, a chain of pairs from 0):
   * memo keys made of ids and lists without a string per destination, in typed arrays (a look-up
   * allocates nothing; b may be -1).
   */
  // (Sized for a few pairs a node: the table then grows once or not at all.)
  const pairIds = new PairIds(table.cilium ? 4 * nodeCount : 16);
  const pairId = (a: number, b: number): number => pairIds.id(a, b);
  const deniedIds = new Map<string, number>();
  const regionsByDeny = new Map<string, DenyRegions>();
  /** The regions the deny steps cut the ports into, once per list of deny steps. */
  const denyRegions = (deny: readonly Step[]): DenyRegions => {
    let denyKey = '';
    for (const d of deny) denyKey += `${setId(d.sources)}:${d.atoms},`;
    const known = regionsByDeny.get(denyKey);
    if (known) return known;
    let regions: { atoms: Uint32Array; denied: readonly Bitset[]; key: string }[] = [{ atoms: atomSets.sets[allAtoms]!, denied: [], key: '' }];
    for (const d of deny) {
      const s = atomSets.sets[d.atoms]!;
      const next: typeof regions = [];
      for (const r of regions) {
        const inside = r.atoms.map((w, i) => w & s[i]!);
        const outside = r.atoms.map((w, i) => w & ~s[i]!);
        if (!isEmptyBitset(inside)) next.push({ atoms: inside, denied: [...r.denied, d.sources], key: `${r.key},${setId(d.sources)}` });
        if (!isEmptyBitset(outside)) next.push({ atoms: outside, denied: r.denied, key: r.key });
      }
      regions = next;
    }
    const built: DenyRegions = {
      atoms: regions.map((r) => atomSets.intern(r.atoms)),
      denied: regions.map((r) => r.denied),
      deniedId: regions.map((r) => {
        let id = deniedIds.get(r.key);
        if (id === undefined) deniedIds.set(r.key, (id = deniedIds.size));
        return id;
      }),
      id: regionsByDeny.size,
    };
    regionsByDeny.set(denyKey, built);
    return built;
  };
  /** Atom sets combined by id, once per pair. */
  const atomsAndMemo = new PairIds();
  const atomsOrMemo = new PairIds();
  const atomsOp = (a: number, b: number, and: boolean): number => {
    if (a === b) return a;
    if (a === allAtoms) return and ? b : a;
    if (b === allAtoms) return and ? a : b;
    const memo = and ? atomsAndMemo : atomsOrMemo;
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    let id = memo.get(lo, hi);
    if (id < 0) {
      const x = atomSets.sets[a]!;
      const y = atomSets.sets[b]!;
      id = atomSets.intern(and ? x.map((w, i) => w & y[i]!) : x.map((w, i) => w | y[i]!));
      memo.set(lo, hi, id);
    }
    return id;
  };
  /**
   * Each group without the sources denied in each region of its ports. What a group keeps is
   * worked out once per compile (by its sources, atoms and the denies), not once per destination:
   * classes split by node (Cilium's allow-localhost) repeat the same groups and denies on every
   * node. Regions where a group keeps the same sources stay one group.
   */
  const underIds = new PairIds();
  const underLists: Group[][] = [];
  const withoutDenied = (regions: DenyRegions, groups: readonly Group[]): Group[] => {
    const out: Group[] = [];
    for (const g of groups) {
      const gk = pairId(setId(g.src), g.atoms);
      const at = underIds.get(gk, regions.id);
      let list = at < 0 ? undefined : underLists[at]!;
      if (list === undefined) {
        list = [];
        for (let r = 0; r < regions.atoms.length; r++) {
          const atoms = atomsOp(g.atoms, regions.atoms[r]!, true);
          if (atomSets.isEmpty(atoms)) continue;
          const denied = regions.denied[r]!;
          const src = denied.length === 0 ? g.src : keptOf(g.src, denied, regions.deniedId[r]!);
          if (src === null) continue;
          const same = list.findIndex((x) => x.src === src);
          if (same >= 0) list[same] = { src, id: list[same]!.id, atoms: atomsOp(list[same]!.atoms, atoms, false) };
          else list.push({ src, id: setId(src), atoms });
        }
        underIds.set(gk, regions.id, underLists.length);
        underLists.push(list);
      }
      for (const x of list) out.push(x);
    }
    return out;
  };
  /**
   * `src` without the sources of `denied` (null when nothing is left; `src` itself when none of
   * them is in it), once per (src, denied).
   */
  const keptIds = new PairIds();
  const keptSets: (Bitset | null)[] = [];
  const keptOf = (src: Bitset, denied: readonly Bitset[], deniedId: number): Bitset | null => {
    const sid = setId(src);
    const at = keptIds.get(sid, deniedId);
    let b = at < 0 ? undefined : keptSets[at];
    if (b === undefined) {
      const x = src.slice();
      let changed = false;
      for (const d of denied) {
        for (let w = 0; w < x.length; w++) {
          if ((x[w]! & d[w]!) !== 0) {
            x[w]! &= ~d[w]!;
            changed = true;
          }
        }
      }
      b = !changed ? src : isEmptyBitset(x) ? null : x;
      keptIds.set(sid, deniedId, keptSets.length);
      keptSets.push(b);
    }
    return b;
  };
  /**
   * Groups with the same sources as one group (the union of their ports), then groups with the
   * same ports as one (the union of their sources): the answer is the same, and fewer groups
   * keep all-pairs' per-destination masks short. Ids name source sets (setId).
   */
  const mergeDenied = (list: readonly Group[]): Group[] => {
    const out: Group[] = [];
    for (const g of list) {
      let same = 0;
      while (same < out.length && out[same]!.src !== g.src) same++;
      if (same < out.length) out[same] = { src: g.src, id: g.id, atoms: atomsOp(out[same]!.atoms, g.atoms, false) };
      else out.push(g);
    }
    return mergeSameAtoms(out, deniedUnions);
  };
  const deniedUnions = new Map<string | number, Bitset>();

  /** What the Cilium policies selecting a class give its ingress, by the policies and its named ports. */
  interface CiliumIn {
    /** Names the deny and allow rules (atoms resolved): classes alike in it share their groups. */
    readonly ruleKey: number;
    readonly regions: DenyRegions | null;
    readonly allow: readonly Group[];
  }
  const cilium = table.cilium;
  /**
   * A policy compiled for one node alone that denies nothing (allow-localhost is one per node):
   * its allow rules stay out of the memo keys and are added after them, so classes split by node
   * share the rest of their groups instead of working them out once per node.
   */
  const nodeLocal = (cilium?.policies ?? []).map((p) => p.node !== undefined && p.ingressDeny.length === 0);
  // Class -> the Cilium policies selecting it, once (not every policy tested per destination):
  // the others, then the node-local ones.
  const ciliumSelecting: number[][] = [];
  const ciliumLocal: number[][] = [];
  for (let c = 0; c < (cilium ? classCount : 0); c++) {
    ciliumSelecting.push([]);
    ciliumLocal.push([]);
  }
  sets.ciliumSubjects.forEach((bits, i) => forEachBit(bits, (c) => void (c < classCount && (nodeLocal[i] ? ciliumLocal : ciliumSelecting)[c]!.push(i))));
  const listId = (list: readonly number[]): number => {
    let id = 0;
    for (let i = 0; i < list.length; i++) id = pairId(id, list[i]!);
    return id;
  };
  const ciliumInByPolicies = new Map<number, CiliumIn>();
  const ciliumInByRules = new Map<number, CiliumIn>();
  /** A rule by its peers and atoms (ruleIds; by id, its peers and atoms): the same rule in two policies counts once. */
  const ruleIds = new PairIds();
  const rulePeers: number[] = [0];
  const ruleAtoms: number[] = [0];
  const denyRules: number[] = [];
  const allowRules: number[] = [];
  const ruleId = (peers: number, atoms: number): number => {
    const k = ruleIds.id(peers, atoms);
    if (k === rulePeers.length) {
      rulePeers.push(peers);
      ruleAtoms.push(atoms);
    }
    return k;
  };
  /**
   * Per list of selecting policies and named-port set, the rules as sets (sorted lists of rule
   * ids); per such set, once, its deny regions and allow groups: classes whose policies differ
   * but give the same rules (the same team's policies in several namespaces) share them.
   */
  const ciliumInOf = (d: number, np: number): CiliumIn => {
    const policiesKey = pairId(listId(ciliumSelecting[d]!), np);
    const known = ciliumInByPolicies.get(policiesKey);
    if (known) return known;
    denyRules.length = 0;
    allowRules.length = 0;
    for (const i of ciliumSelecting[d]!) {
      const p = cilium!.policies[i]!;
      for (const r of p.ingressDeny) {
        const a = atomsToward(r.ports, np);
        if (atomSets.isEmpty(a) || holdsNone(rulePeerBits[r.peers]!)) continue;
        const k = ruleId(r.peers, a);
        if (!denyRules.includes(k)) denyRules.push(k);
      }
      for (const r of p.ingress) {
        const a = atomsToward(r.ports, np);
        if (atomSets.isEmpty(a) || holdsNone(rulePeerBits[r.peers]!)) continue;
        const k = ruleId(r.peers, a);
        if (!allowRules.includes(k)) allowRules.push(k);
      }
    }
    const ruleKey = pairId(listId(sortNumbers(denyRules)), listId(sortNumbers(allowRules)));
    let built = ciliumInByRules.get(ruleKey);
    if (!built) {
      const deny: Step[] = [];
      for (const k of denyRules) deny.push({ sources: rulePeerBits[rulePeers[k]!]!, atoms: ruleAtoms[k]!, action: 'Deny' });
      const allow: Group[] = [];
      for (const k of allowRules) allow.push({ src: rulePeerBits[rulePeers[k]!]!, id: rulePeers[k]!, atoms: ruleAtoms[k]! });
      built = { ruleKey, regions: deny.length === 0 ? null : denyRegions(deny), allow };
      ciliumInByRules.set(ruleKey, built);
    }
    ciliumInByPolicies.set(policiesKey, built);
    return built;
  };
  /** The node-local allow groups of class d, without what its other policies deny. */
  const localMemo = new Map<number, Group[]>();
  const localOf = (d: number, np: number, regions: DenyRegions | null): Group[] => {
    const key = pairId(pairId(listId(ciliumLocal[d]!), np), regions === null ? -1 : regions.id);
    let groups = localMemo.get(key);
    if (groups === undefined) {
      groups = [];
      for (const i of ciliumLocal[d]!) {
        for (const r of cilium!.policies[i]!.ingress) {
          const a = atomsToward(r.ports, np);
          if (!atomSets.isEmpty(a)) groups.push({ src: rulePeerBits[r.peers]!, id: r.peers, atoms: a });
        }
      }
      if (regions !== null) groups = withoutDenied(regions, groups);
      localMemo.set(key, groups);
    }
    return groups;
  };

  const ciliumInMemo = new Map<number, Group[]>();
  const ciliumIngress = (d: number, selecting: readonly number[]): Group[] => {
    const np = namedSetOf(d);
    const cin = ciliumInOf(d, np);
    const isolated = hasBit(sets.ciliumIsolated.ingress, d);
    const key = pairId(pairId(pairId(cin.ruleKey, listId(selecting)), np), isolated ? 1 : 0);
    let groups = ciliumInMemo.get(key);
    if (!groups) {
      // (Groups of no source add nothing: left out, they cost all-pairs nothing.)
      let allowGroups: Group[];
      if (isolated) {
        allowGroups = npIngressGroups(d);
        let n = 0;
        for (const g of allowGroups) if (!holdsNone(g.src)) allowGroups[n++] = g;
        allowGroups.length = n;
        for (const g of cin.allow) allowGroups.push(g);
      } else allowGroups = [{ src: everyNode, id: ALL_PEERS, atoms: allAtoms }];
      groups = cin.regions === null ? mergeSameAtoms(allowGroups, inUnions) : mergeDenied(withoutDenied(cin.regions, allowGroups));
      ciliumInMemo.set(key, groups);
    }
    if (!isolated || ciliumLocal[d]!.length === 0) return groups;
    const local = localOf(d, np, cin.regions);
    return local.length === 0 ? groups : [...groups, ...local];
  };

  const inUnions = new Map<string | number, Bitset>();
  const inTierMemo = new Map<string, Group[]>();
  const inLists: Group[][] = [];
  for (let d = 0; d < nodeCount; d++) {
    if (only && !hasBit(only, d)) {
      inLists.push(NO_GROUPS);
      continue;
    }
    const selecting = d < classCount ? classIngress[d]! : [];
    if (table.cilium && d < classCount) {
      inLists.push(ciliumIngress(d, selecting));
      continue;
    }
    if (hasTiers && d < classCount) {
      const admin = ingressSteps(d, table.admin, sets.adminSubjects);
      const baseline = ingressSteps(d, table.baseline, sets.baselineSubjects);
      if (admin.steps.length + baseline.steps.length > 0) {
        const key = `${admin.key}|${baseline.key}|${selecting.join(',')}|${namedSetOf(d)}`;
        let groups = inTierMemo.get(key);
        if (!groups) {
          const isolated = selecting.length > 0 ? everyNode : emptyBitset(nodeCount);
          groups = tierGroups(admin.steps, npIngressGroups(d), isolated, baseline.steps);
          inTierMemo.set(key, groups);
        }
        inLists.push(groups);
        continue;
      }
    }
    const list = selecting.length === 0 ? [{ src: everyNode, id: ALL_PEERS, atoms: allAtoms }] : npIngressGroups(d);
    inLists.push(mergeSameAtoms(list, inUnions));
  }

  // --- Egress --------------------------------------------------------------------------
  // Egress rules that are the same (peers, ports) in several policies form one group whose
  // sources are all those policies' subjects: "allow DNS" in every namespace is one group.
  const isolated = emptyBitset(nodeCount);
  const npGroups = new Map<string, { peers: number; ports: number; src: Bitset; id: number }>();
  // With `only`, a rule whose peers hold none of those destinations adds to no group read.
  const towardOnly = only === undefined ? undefined : new Int8Array(rulePeerBits.length);
  policies.forEach((p) => {
    if (p.egress === null) return;
    const subjects = state.classesMatching(p.ns, p.subject);
    if (subjects.length === 0) return;
    for (const c of subjects) setBit(isolated, c);
    for (const r of p.egress) {
      if (towardOnly !== undefined) {
        if (towardOnly[r.peers] === 0) towardOnly[r.peers] = intersects(rulePeerBits[r.peers]!, only!) ? 1 : -1;
        if (towardOnly[r.peers] === -1) continue;
      }
      const key = `${r.peers}:${r.ports}`;
      let g = npGroups.get(key);
      if (!g) npGroups.set(key, (g = { peers: r.peers, ports: r.ports, src: emptyBitset(nodeCount), id: npGroups.size + 1 }));
      for (const c of subjects) setBit(g.src, c);
    }
  });
  const notIsolated = fullBitset(nodeCount);
  for (let w = 0; w < notIsolated.length; w++) notIsolated[w]! &= ~isolated[w]!;
  // (Plain loops: Array.from on a length is several times slower, and a what-if builds these.)
  const egLists: Group[][] = new Array<Group[]>(nodeCount);
  const npToward: Group[][] = new Array<Group[]>(nodeCount);
  for (let d = 0; d < nodeCount; d++) {
    // Destinations left out by `only` share one list that nothing is added to.
    const read = only === undefined || hasBit(only, d);
    egLists[d] = read ? [] : NO_GROUPS;
    npToward[d] = read ? [] : NO_GROUPS;
  }
  for (const g of npGroups.values()) {
    forEachCommonBit(rulePeerBits[g.peers]!, only ?? everyNode, (d) => {
      const a = atomsToward(g.ports, namedSetOf(d));
      if (!atomSets.isEmpty(a)) npToward[d]!.push({ src: g.src, id: g.id, atoms: a });
    });
  }

  // Tier egress rules toward d: the rule's sources are its policy's subjects.
  type TierEgress = { rule: CompiledTierRule; subjects: Bitset };
  const tierEgress = (tier: typeof table.admin, subjects: readonly Bitset[]): TierEgress[] =>
    tier.flatMap((p, i) => p.egress.map((rule) => ({ rule, subjects: subjects[i]! })));
  const adminEgress = tierEgress(table.admin, sets.adminSubjects);
  const baselineEgress = tierEgress(table.baseline, sets.baselineSubjects);
  const egTierMemo = new Map<string, Group[]>();
  const egUnions = new Map<string | number, Bitset>();
  // Under Cilium: egress rules alike in peers and ports are one group whose sources are every
  // selecting policy's subjects ("allow DNS" in every namespace is one group), as for NetworkPolicy.
  type CiliumEgress = { peers: number; ports: number; id: number; subjects: Bitset };
  const ciliumEgress = (deny: boolean): CiliumEgress[] => {
    const byKey = new Map<string, CiliumEgress>();
    (table.cilium?.policies ?? []).forEach((p, i) => {
      for (const r of deny ? p.egressDeny : p.egress) {
        const k = `${r.peers}:${r.ports}`;
        let g = byKey.get(k);
        if (!g) byKey.set(k, (g = { peers: r.peers, ports: r.ports, id: byKey.size, subjects: emptyBitset(nodeCount) }));
        orInto(g.subjects, sets.ciliumSubjects[i]!);
      }
    });
    return [...byKey.values()];
  };
  /**
   * Per destination, the rules of `list` whose peers hold it and the atoms they allow toward it,
   * as index ranges into two flat arrays ([at[d], at[d + 1]) in `group` and `atoms`): no array
   * and no object per destination.
   */
  const ciliumTowardOf = (list: readonly CiliumEgress[]): { at: Int32Array; group: Int32Array; atoms: Int32Array } => {
    const ds: number[] = [];
    const gs: number[] = [];
    const as: number[] = [];
    const at = new Int32Array(nodeCount + 1);
    if (table.cilium) {
      list.forEach((g, gi) => {
        forEachBit(rulePeerBits[g.peers]!, (d) => {
          const a = atomsToward(g.ports, namedSetOf(d));
          if (atomSets.isEmpty(a)) return;
          ds.push(d);
          gs.push(gi);
          as.push(a);
          at[d + 1]!++;
        });
      });
    }
    for (let d = 0; d < nodeCount; d++) at[d + 1]! += at[d]!;
    // Counting sort by destination; each destination's rules stay in list order.
    const next = at.slice(0, nodeCount);
    const group = new Int32Array(ds.length);
    const atoms = new Int32Array(ds.length);
    for (let k = 0; k < ds.length; k++) {
      const i = next[ds[k]!]!++;
      group[i] = gs[k]!;
      atoms[i] = as[k]!;
    }
    return { at, group, atoms };
  };
  const ciliumDenyList = ciliumEgress(true);
  const ciliumAllowList = ciliumEgress(false);
  const ciliumDenyToward = ciliumTowardOf(ciliumDenyList);
  const ciliumAllowToward = ciliumTowardOf(ciliumAllowList);
  const ciliumNotIsolated = fullBitset(nodeCount);
  if (table.cilium) for (let w = 0; w < ciliumNotIsolated.length; w++) ciliumNotIsolated[w]! &= ~sets.ciliumIsolated.egress[w]!;
  /**
   * A destination's Cilium egress groups by what they are made of: the (group, atoms) pairs of
   * its allow list in order, then of its deny rules. Destinations alike in them share their
   * groups, looked up by numbers (no list, key string or merge per destination).
   */
  const ciliumEgMemo = new Map<number, Group[]>();
  for (let d = 0; d < nodeCount; d++) {
    if (only && !hasBit(only, d)) continue;
    if (table.cilium) {
      // The ids name source sets for merged unions: a group's subjects, unique per group.
      let allowKey = 0;
      for (const g of npToward[d]!) allowKey = pairId(allowKey, pairId(g.id, g.atoms));
      const { at: allowAt, group: allowGroup, atoms: allowAtoms } = ciliumAllowToward;
      for (let k = allowAt[d]!; k < allowAt[d + 1]!; k++) allowKey = pairId(allowKey, pairId(1_000_000 + allowGroup[k]!, allowAtoms[k]!));
      const { at: denyAt, group: denyGroup, atoms: denyAtoms } = ciliumDenyToward;
      let denyKey = 0;
      for (let k = denyAt[d]!; k < denyAt[d + 1]!; k++) denyKey = pairId(denyKey, pairId(denyGroup[k]!, denyAtoms[k]!));
      const key = pairId(allowKey, denyKey);
      let groups = ciliumEgMemo.get(key);
      if (!groups) {
        const list: Group[] = [{ src: ciliumNotIsolated, id: -2, atoms: allAtoms }];
        for (const g of npToward[d]!) list.push(g);
        for (let k = allowAt[d]!; k < allowAt[d + 1]!; k++) list.push({ src: ciliumAllowList[allowGroup[k]!]!.subjects, id: 1_000_000 + allowGroup[k]!, atoms: allowAtoms[k]! });
        if (denyKey === 0) groups = mergeSameAtoms(list, egUnions);
        else {
          const deny: Step[] = [];
          for (let k = denyAt[d]!; k < denyAt[d + 1]!; k++) deny.push({ sources: ciliumDenyList[denyGroup[k]!]!.subjects, atoms: denyAtoms[k]!, action: 'Deny' });
          groups = mergeDenied(withoutDenied(denyRegions(deny), list));
        }
        ciliumEgMemo.set(key, groups);
      }
      egLists[d] = groups;
      continue;
    }
    if (adminEgress.length + baselineEgress.length > 0) {
      let key = '';
      const stepsOf = (list: readonly TierEgress[]): Step[] => {
        const steps: Step[] = [];
        for (const { rule, subjects } of list) {
          if (!hasBit(rulePeerBits[rule.peers]!, d)) continue;
          steps.push({ sources: subjects, atoms: atomsToward(rule.ports, namedSetOf(d)), action: rule.action });
          key += `${rule.uid},`;
        }
        key += '|';
        return steps;
      };
      const admin = stepsOf(adminEgress);
      const baseline = stepsOf(baselineEgress);
      if (admin.length + baseline.length > 0) {
        key += `${npToward[d]!.map((g) => `${g.id}:${g.atoms}`).join(',')}|${namedSetOf(d)}`;
        let groups = egTierMemo.get(key);
        if (!groups) {
          groups = tierGroups(admin, npToward[d]!, isolated, baseline);
          egTierMemo.set(key, groups);
        }
        egLists[d] = groups;
        continue;
      }
    }
    egLists[d] = mergeSameAtoms([{ src: notIsolated, id: 0, atoms: allAtoms }, ...npToward[d]!], egUnions);
  }

  return result(inLists, egLists);

  function result(inLists: Group[][], egLists: Group[][]): DestinationGroups {
  const ins = flatten(nodeCount, inLists);
  const egs = flatten(nodeCount, egLists);
  return {
    nodeCount,
    classCount,
    atomSets,
    inStart: ins.start,
    inSources: ins.sources,
    inAtoms: ins.atomIds,
    egStart: egs.start,
    egSources: egs.sources,
    egAtoms: egs.atomIds,
  };
  }
}

/** The groups of a destination `only` leaves out (shared: never added to). */
const NO_GROUPS: Group[] = [];

/** The same numbers in an array twice as long. */
function grow(a: Int32Array): Int32Array {
  const b: Int32Array = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function flatten(nodeCount: number, lists: Group[][]) {
  const start = new Int32Array(nodeCount + 1);
  let n = 0;
  lists.forEach((l, d) => {
    start[d] = n;
    n += l.length;
  });
  start[nodeCount] = n;
  const sources: Bitset[] = [];
  const atomIds = new Int32Array(n);
  for (const l of lists) {
    for (const e of l) {
      atomIds[sources.length] = e.atoms;
      sources.push(e.src);
    }
  }
  return { start, sources, atomIds };
}

/** `list` sorted ascending in place (short lists: insertion sort, no comparator calls). */
function sortNumbers(list: number[]): number[] {
  for (let i = 1; i < list.length; i++) {
    const x = list[i]!;
    let j = i;
    for (; j > 0 && list[j - 1]! > x; j--) list[j] = list[j - 1]!;
    list[j] = x;
  }
  return list;
}
