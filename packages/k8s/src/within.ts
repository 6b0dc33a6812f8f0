import { InputError, type InputLocation } from '@lateral/core';

/** Runs `fn` and fills in the object and place of any InputError it throws. */
export function within<T>(loc: InputLocation, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError) throw e.within(stripUndefined(loc));
    throw e;
  }
}

/** `within`, with the place computed only when there is an error to name it in. */
export function withinAt<T>(where: () => InputLocation, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError) throw e.within(stripUndefined(where()));
    throw e;
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
