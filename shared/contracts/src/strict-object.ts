import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';

/** "unknown key "temprature"; did you mean "temperature"?" for each key, or the known keys when none is close. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((key) => {
      const guess = known.length ? closest(key, [...known]) : undefined;
      // Close enough to be a typo: two edits (a swap) or a third of the word, and never the whole key.
      const edits = guess === undefined ? Number.POSITIVE_INFINITY : distance(key.toLowerCase(), guess.toLowerCase());
      if (guess !== undefined && edits <= Math.max(2, Math.floor(guess.length / 3)) && edits < key.length) {
        return `unknown key ${JSON.stringify(key)}; did you mean ${JSON.stringify(guess)}?`;
      }
      return `unknown key ${JSON.stringify(key)}; known keys: ${known.join(', ')}`;
    })
    .join('; ');
}

/**
 * An object that refuses keys it does not know (a misspelt `temprature` would otherwise be
 * dropped silently and the default used), suggesting the closest known key.
 */
export function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known) : undefined),
  });
}
