import { copyText, fromCopyText } from './copy';

describe('COPY text format', () => {
  it('escapes backslash, tab, newline and carriage return, and reads them back', () => {
    const value = JSON.stringify({ note: 'a\tb\nc\\d\re "quoted"' });
    const field = copyText(value);
    expect(field).not.toMatch(/[\t\n\r]/);
    expect(fromCopyText(field)).toBe(value);
  });

  it('writes and reads null as \\N and leaves plain text alone', () => {
    expect(copyText(null)).toBe('\\N');
    expect(fromCopyText('\\N')).toBeNull();
    expect(copyText('account-ada@example.com')).toBe('account-ada@example.com');
    expect(copyText(42)).toBe('42');
  });
});
