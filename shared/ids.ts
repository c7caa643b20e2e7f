/**
 * What an id of the API is: 1–64 letters, digits, "_", "." and "-", but never "." or "..": a URL
 * path cannot address those (clients and servers resolve them as dot segments, so
 * `/customers/..` is `/`), so a row with such an id could never be read, changed or deleted. The
 * server's schemas and the add-in check ids with this one pattern.
 */
export const ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/;

export const ID_RULE = 'must be 1–64 characters of letters, digits, "_", "." or "-", and not "." or ".."';

/**
 * Whether text is an id of the API.
 * @example
 * isId('C1001'); // true
 * isId('..'); // false
 */
export const isId = (s: string): boolean => ID_PATTERN.test(s);
