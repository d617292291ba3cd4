import { USERNAME_FORM } from '@regulink/protocol';

/**
 * A sign-in's username as the log may show it: as given when it has the form of a username;
 * otherwise not at all, since what was typed there may be a password (typed into the wrong field).
 */
export function loggableUsername(given: string): string {
  return USERNAME_FORM.test(given) ? given : '(not of the form of a username: not logged)';
}
