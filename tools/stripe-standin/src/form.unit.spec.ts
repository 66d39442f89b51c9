import { StripeApiError } from './errors';
import { bracketName, parseFormEncoded } from './form';

function rejection(text: string): StripeApiError {
  try {
    parseFormEncoded(text);
  } catch (error) {
    if (error instanceof StripeApiError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('parseFormEncoded', () => {
  it('builds nested objects and indexed arrays from bracket notation', () => {
    const parsed = parseFormEncoded(
      'mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=500' +
        '&line_items[0][price_data][product_data][name]=Starter&line_items[0][quantity]=1' +
        '&line_items[1][quantity]=2&payment_intent_data[metadata][k]=v&custom_text[submit][message]=Hi%21',
    );
    expect(parsed).toEqual({
      mode: 'payment',
      line_items: [
        { price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Starter' } }, quantity: 1 },
        { quantity: 2 },
      ],
      payment_intent_data: { metadata: { k: 'v' } },
      custom_text: { submit: { message: 'Hi!' } },
    });
  });

  it('appends with [] and orders indexed arrays by index, not arrival', () => {
    expect(parseFormEncoded('expand[]=a&expand[]=b')).toEqual({ expand: ['a', 'b'] });
    expect(parseFormEncoded('expand[1]=b&expand[0]=a')).toEqual({ expand: ['a', 'b'] });
  });

  it('converts known integer fields, and nothing under metadata', () => {
    expect(parseFormEncoded('limit=3&created[gte]=1700000000&amount=-5&metadata[amount]=7&metadata[0]=x&name=12')).toEqual({
      limit: 3,
      created: { gte: 1700000000 },
      amount: -5,
      metadata: { amount: '7', '0': 'x' },
      name: '12',
    });
  });

  it('decodes + and percent-encoding, keeps empty values as empty strings, last scalar wins', () => {
    expect(parseFormEncoded('a=one+two%20three&b=&c&a=again')).toEqual({ a: 'again', b: '', c: '' });
    expect(parseFormEncoded('')).toEqual({});
  });

  it('does not let a __proto__ key reach the prototype', () => {
    const parsed = parseFormEncoded('__proto__[polluted]=yes');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it.each([
    ['unit_amount=5.5', 'parameter_invalid_integer', 'unit_amount'],
    ['line_items[0][quantity]=two', 'parameter_invalid_integer', 'line_items[0][quantity]'],
    ['limit=99999999999999999999', 'parameter_invalid_integer', 'limit'],
  ])('rejects %s with %s on %s', (text, code, param) => {
    const error = rejection(text);
    expect(error.status).toBe(400);
    expect(error.toBody().error).toMatchObject({ type: 'invalid_request_error', code, param });
  });

  it.each(['a=%E0%A4%A', `a${'[b]'.repeat(21)}=1`, 'a[b=1', 'a]=1', '[a]=1', 'a=1&a[b]=2', 'a[b]=2&a=1'])('rejects malformed %s with a 400', (text) => {
    expect(rejection(text).status).toBe(400);
  });
});

describe('bracketName', () => {
  it('renders a path the way Stripe names params', () => {
    expect(bracketName(['line_items', '0', 'price_data', 'unit_amount'])).toBe('line_items[0][price_data][unit_amount]');
  });
});
