import { parseApiKeyArgs, UsageError } from './apikey-args';

describe('apikey command line', () => {
  it.each([
    [['create', '--domain', 'x.com'], { command: 'create', domain: 'x.com', json: false }],
    [['create', '--domain=x.com', '--key', 'chk_dom_abc', '--label', 'demo', '--json'], { command: 'create', domain: 'x.com', key: 'chk_dom_abc', label: 'demo', json: true }],
    [['list'], { command: 'list', json: false }],
    [['list', '--domain', 'x.com', '--json'], { command: 'list', domain: 'x.com', json: true }],
    [['revoke', 'chk_dom_abcd'], { command: 'revoke', reference: 'chk_dom_abcd', json: false }],
    [['create', '--builder', 'acme', '--domains', 'a.com, b.com,', '--json'], { command: 'create-builder', builder: 'acme', domains: ['a.com', 'b.com'], json: true }],
    [['list', '--builder', 'acme'], { command: 'list', builder: 'acme', json: false }],
    [[], { command: 'help' }],
    [['--help'], { command: 'help' }],
    [['create', '--help'], { command: 'help' }],
  ])('parses %j', (argv, expected) => {
    expect(parseApiKeyArgs(argv)).toEqual(expected);
  });

  it.each([
    [['delete'], 'unknown command'],
    [['create'], 'needs --domain'],
    [['create', '--builder', 'acme'], 'needs --domains'],
    [['create', '--builder', 'acme', '--domain', 'a.com', '--domains', 'a.com'], 'not --domain'],
    [['create', '--domains', 'a.com'], 'add --builder'],
    [['create', '--builder', 'acme', '--domains', ' , '], 'at least one domain'],
    [['create', '--domain'], '--domain needs a value'],
    [['create', '--domain', '--json'], '--domain needs a value'],
    [['create', '--domain', 'a', '--domain', 'b'], 'given twice'],
    [['create', '--domain', 'a', 'extra'], 'no positional'],
    [['list', '--key', 'x'], 'unknown option --key'],
    [['revoke'], 'needs the id or prefix'],
    [['revoke', 'a', 'b'], 'one key'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseApiKeyArgs(argv)).toThrow(UsageError);
    expect(() => parseApiKeyArgs(argv)).toThrow(message);
  });
});
