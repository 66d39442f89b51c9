import { classifyError, CliUsageError, confirmWrite, ExitCode, parseDuration, parseSince } from './cli';

describe('parseDuration (the one duration parser: ms)', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['3d', 259_200_000],
    ['2w', 1_209_600_000],
    ['1.5h', 5_400_000],
  ])('%s', (text, expected) => {
    expect(parseDuration('--max-age', text)).toBe(expected);
  });

  it.each(['60', '', 'soon', '-5m', '0s'])('refuses %j, naming the option', (text) => {
    expect(() => parseDuration('--max-age', text)).toThrow(CliUsageError);
    expect(() => parseDuration('--max-age', text)).toThrow(/--max-age/);
  });
});

describe('parseSince', () => {
  const now = new Date('2027-01-14T12:00:00.000Z');
  it('reads an age back from now, or an ISO time', () => {
    expect(parseSince('--since', '3d', now).toISOString()).toBe('2027-01-11T12:00:00.000Z');
    expect(parseSince('--since', '2027-01-01T00:00:00Z', now).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
  it.each(['yesterday', '2027-13-45', '60'])('refuses %j', (text) => {
    expect(() => parseSince('--since', text, now)).toThrow(CliUsageError);
  });
});

describe('confirmWrite (every writing command)', () => {
  const plan = { command: 'replay', changes: ['repair the differing rows'] };
  const io = (stdinIsTerminal: boolean, answer?: string) => {
    const lines: string[] = [];
    return { lines, io: { stdinIsTerminal, err: (line: string) => lines.push(line), ...(answer === undefined ? {} : { ask: async () => answer }) } };
  };

  it('states the plan and goes on with --yes, on a terminal or not', async () => {
    const { lines, io: off } = io(false);
    expect(await confirmWrite({ ...plan, yes: true }, off)).toBeNull();
    expect(lines).toEqual(['replay will:', '  - repair the differing rows']);
  });

  it('off a terminal without --yes: refuses, exit 64, saying nothing changed', async () => {
    const { lines, io: off } = io(false, 'y');
    expect(await confirmWrite({ ...plan, yes: false }, off)).toBe(ExitCode.usage);
    expect(lines.at(-1)).toMatch(/refusing to write without --yes.*nothing changed/);
  });

  it.each([
    ['y', null],
    ['yes', null],
    ['', ExitCode.usage],
    ['n', ExitCode.usage],
  ])('on a terminal asks; answer %j', async (answer, expected) => {
    expect(await confirmWrite({ ...plan, yes: false }, io(true, answer).io)).toBe(expected);
  });
});

describe('classifyError: could not run, by cause', () => {
  it.each([
    [{ code: '3D000', message: 'database "x" does not exist' }, ExitCode.config],
    [{ code: '42P01', message: 'relation "ledger_events" does not exist' }, ExitCode.config],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }, ExitCode.unavailable],
    [{ code: 'CONNECTION_REFUSED', message: 'CONNECTION_REFUSED' }, ExitCode.unavailable],
    [{ code: 'TIMEOUT', message: 'TIMEOUT' }, ExitCode.tempfail],
    [new CliUsageError('bad'), ExitCode.usage],
    [new TypeError('x is undefined'), ExitCode.software],
  ])('%j', (error, code) => {
    expect(classifyError(error).code).toBe(code);
  });
});
