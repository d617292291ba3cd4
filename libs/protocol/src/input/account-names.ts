/** What a username is: 3–64 lower-case letters, digits, dot, dash or underscore, starting with a letter. */
export const USERNAME_FORM = /^[a-z][a-z0-9._-]{2,63}$/;

/** Whether a password is the account's username (whatever the case, blanks around it aside): refused everywhere. */
export function isPasswordTheUsername(password: string, username: string): boolean {
  return password.trim().toLowerCase() === username.toLowerCase();
}
