/** What a username is: 3–64 lower-case letters, digits, dot, dash or underscore, starting with a letter. */
export const USERNAME_FORM = /^[a-z][a-z0-9._-]{2,63}$/;

/**
 * A sign-in's username as the log may show it: as given when it has the form of a username;
 * otherwise not at all, since what was typed there may be a password (typed into the wrong field).
 */
export function loggableUsername(given: string): string {
  return USERNAME_FORM.test(given) ? given : '(not of the form of a username: not logged)';
}
