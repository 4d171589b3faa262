/**
 * The words two texts are compared by: NFKC (full-width digits, ligatures and compatibility
 * forms fold to their plain form), lowercase, every run of punctuation, symbols or whitespace
 * folded to one separator. "What is 2+2?" and "WHAT  is 2 + 2" give the same words.
 */
export function normalisedWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[\p{P}\p{S}\p{Z}\s]+/u)
    .filter((word) => word.length > 0);
}

/** The whole text after normalisation: the key for exact matches. */
export function normalisedText(text: string): string {
  return normalisedWords(text).join(' ');
}
