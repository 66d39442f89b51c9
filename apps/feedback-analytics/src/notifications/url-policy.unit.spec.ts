import { isPrivateAddress, refuseEndpointUrl } from './url-policy';

describe('webhook URL policy', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false], // just past 172.16/12
    ['192.168.1.1', true],
    ['169.254.169.254', true], // cloud metadata
    ['100.64.0.1', true],
    ['100.128.0.1', false],
    ['0.0.0.0', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['2606:4700::1111', false],
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'private'],
    ['http://0x7f000001/hook', 'private'], // URL normalises it to 127.0.0.1
    ['http://[::1]:80/', 'private'],
    ['http://localhost/hook', 'localhost'],
    ['http://api.localhost/hook', 'localhost'],
    ['ftp://example.com/', 'http or https'],
    ['https://user:secret@example.com/', 'credentials'],
  ])('refuses %s in production (%s)', (url, why) => {
    expect(refuseEndpointUrl(url, false)).toContain(why);
  });

  it('accepts public URLs in production, and private ones in development', () => {
    expect(refuseEndpointUrl('https://hooks.example.com/credit-hub', false)).toBeNull();
    expect(refuseEndpointUrl('http://8.8.8.8/', false)).toBeNull();
    expect(refuseEndpointUrl('http://127.0.0.1:8080/hook', true)).toBeNull();
    expect(refuseEndpointUrl('ftp://127.0.0.1/', true)).toContain('http or https');
  });
});
