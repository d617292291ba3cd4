import { loggableUsername } from './username';

describe('loggableUsername', () => {
  it('logs a username as given, and never what has not the form of one (a password in the wrong field)', () => {
    expect(loggableUsername('li.wei')).toBe('li.wei');
    for (const typed of ['Hunter2-password!', 'li wei', '张伟', 'x', `a${'b'.repeat(64)}`]) {
      expect(loggableUsername(typed)).toBe('(not of the form of a username: not logged)');
    }
  });
});
