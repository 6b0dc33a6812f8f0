#!/usr/bin/env bash
# The step of action.yml: `lateral diff` between the base and head versions of a manifests
# folder. Reads what the runner provides (GITHUB_WORKSPACE, GITHUB_EVENT_PATH, GITHUB_BASE_REF,
# GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, RUNNER_TEMP) and the action's inputs as LATERAL_* variables.
# Exits with lateral's code: 1 when a --fail-on finding is present, 2 for bad input.
set -euo pipefail

workspace=${GITHUB_WORKSPACE:-$PWD}
manifests=${LATERAL_MANIFESTS:?the action needs the input manifests (a folder of the repository)}
manifests=${manifests%/}
tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lateral-diff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
report=${LATERAL_REPORT_FILE:-${RUNNER_TEMP:-$tmp}/lateral-diff.md}

summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat >>"$GITHUB_STEP_SUMMARY"; else cat >/dev/null; fi; }
output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi; }
fail() { # message, exit code: the same words in the log, the summary and the report
  printf 'lateral diff: %s\n' "$1" >&2
  printf '### Lateral: %s\n\n:warning: %s\n' "$manifests" "$1" | tee "$report" | summary
  output report-file "$report"
  output failed ''
  output exit-code "$2"
  exit "$2"
}

cd "$workspace"
[ -d "$manifests" ] || fail "no folder $manifests in the repository (input manifests)" 2

# The base commit: the input, else the pull request's base or the commit before a push (from the
# event the runner saved), else the base branch, else the parent commit.
base=${LATERAL_BASE:-}
if [ -z "$base" ] && [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
  base=$(node -e '
    const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const sha = e.pull_request?.base?.sha ?? e.merge_group?.base_sha ?? e.before ?? "";
    process.stdout.write(/^0+$/.test(sha) ? "" : sha);' "$GITHUB_EVENT_PATH")
fi
if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then base="origin/$GITHUB_BASE_REF"; fi
[ -n "$base" ] || base='HEAD^'
git rev-parse --verify --quiet "$base^{commit}" >/dev/null ||
  fail "the base commit $base is not in this clone: check out with fetch-depth: 0 (actions/checkout), or give the input base" 2
base_sha=$(git rev-parse --short "$base^{commit}")

# The base version of the folder, as files: git archive of that commit, nothing fetched.
mkdir -p "$tmp/base"
if [ -z "$(git ls-tree -d --name-only "$base_sha" -- "$manifests")" ]; then
  printf '### Lateral: %s\n\nThe folder is new since %s: there is no base version to compare with.\n' "$manifests" "$base_sha" | tee "$report" | summary
  output report-file "$report"
  output failed ''
  output exit-code 0
  exit 0
fi
git archive --format=tar "$base_sha" -- "$manifests" | tar -x -C "$tmp/base"

# lateral itself: the input, else on PATH, else this action's own checkout (built on first use).
if [ -n "${LATERAL_COMMAND:-}" ]; then
  read -r -a lateral <<<"$LATERAL_COMMAND"
elif command -v lateral >/dev/null; then
  lateral=(lateral)
else
  here=${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
  if [ ! -f "$here/apps/cli/dist/main.js" ]; then
    (cd "$here" && npx -y pnpm@10 install --frozen-lockfile >&2)
  fi
  lateral=(node "$here/apps/cli/bin/lateral.js")
fi

args=(diff "$tmp/base/$manifests" --after "$manifests" --format md)
[ -z "${LATERAL_FAIL_ON:-}" ] || args+=(--fail-on "$LATERAL_FAIL_ON")
for f in ${LATERAL_FLOWS:-}; do args+=(--flows "$f"); done
for t in ${LATERAL_TARGET:-}; do args+=(--target "$t"); done

set +e
# No INIT_CWD: paths are relative to the workspace, where this runs.
env -u INIT_CWD "${lateral[@]}" "${args[@]}" >"$tmp/report.md" 2>"$tmp/stderr"
code=$?
set -e
cat "$tmp/stderr" >&2

failed=''
if [ "$code" -eq 1 ]; then
  failed=$(sed -n 's/^lateral: --fail-on: found //p' "$tmp/stderr" | tr -d ' ')
fi
if [ "$code" -eq 0 ] || [ "$code" -eq 1 ]; then
  { printf '<!-- lateral diff %s..HEAD %s -->\n' "$base_sha" "$manifests"; cat "$tmp/report.md"; printf '\n_Compared with %s._\n' "$base_sha"; } >"$report"
  summary <"$report"
else
  fail "$(head -n 5 "$tmp/stderr")" "$code"
fi
output report-file "$report"
output failed "$failed"
output exit-code "$code"
exit "$code"
