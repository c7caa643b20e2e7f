// Words in messages: the one place a noun gets its indefinite article.

/**
 * The noun with "a" or "an", as it is spoken before a vowel sound: by its first letter, with the
 * words of this product that start otherwise (none yet) listed where they are found.
 * @example
 * withArticle('invoice'); // 'an invoice'
 * withArticle('payment'); // 'a payment'
 * withArticle('accountStatus rule'); // 'an accountStatus rule'
 */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
