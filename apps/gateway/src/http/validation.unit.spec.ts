import { IsInt, Max, Min } from 'class-validator';
import { ProblemException } from '@credit-hub/service-kit';
import { gatewayValidationPipe, inputDepthMax, inputProblem, validationProblem } from './validation';

class Flat {
  name!: string;
}

class Counted {
  @IsInt({ message: 'count must be a whole number' })
  @Min(0, { message: 'count must not be negative' })
  @Max(10, { message: 'count must be at most 10' })
  count!: number;
}

describe('the gateway validation pipe', () => {
  it('refuses input nested deeper than the bound, without recursing (no stack overflow on 100,000 levels)', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    expect(inputProblem(deep, 'body')).toEqual({ field: 'a.'.repeat(inputDepthMax).slice(0, -1), detail: `the body is nested more than ${inputDepthMax} levels deep` });
    expect(inputProblem({ a: { b: [{ c: 1 }] } }, 'body')).toBeUndefined();
  });

  it('refuses prototype property names anywhere, naming them', () => {
    expect(inputProblem(JSON.parse('{"email":"a@b.co","__proto__":{"admin":true}}'), 'body')).toEqual({ field: '__proto__', detail: 'property __proto__ is not allowed' });
    expect(inputProblem({ nested: { constructor: 1 } }, 'body')?.field).toBe('nested.constructor');
    expect(inputProblem(Object.assign(Object.create(null), { prototype: '1' }), 'query')?.field).toBe('prototype');
  });

  it('throws a validation_failed problem naming the field before the DTO is looked at', async () => {
    const pipe = gatewayValidationPipe();
    const refusal = await pipe.transform(JSON.parse('{"name":"x","constructor":{}}'), { type: 'body', metatype: Flat }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProblemException);
    expect((refusal as ProblemException).refusal).toEqual({ code: 'validation_failed', detail: 'property constructor is not allowed', field: 'constructor' });
  });

  it('says what is wrong with the type before any bound (a string given for a number is "not a whole number", not "at most …")', async () => {
    const pipe = gatewayValidationPipe();
    const refusal = await pipe.transform({ count: 'x' }, { type: 'body', metatype: Counted }).catch((error: unknown) => error);
    expect((refusal as ProblemException).refusal).toEqual({ code: 'validation_failed', detail: 'count must be a whole number', field: 'count' });
    const tooMany = await pipe.transform({ count: 11 }, { type: 'body', metatype: Counted }).catch((error: unknown) => error);
    expect((tooMany as ProblemException).refusal).toEqual({ code: 'validation_failed', detail: 'count must be at most 10', field: 'count' });
  });

  it('names the body when the failing property has no name', () => {
    expect(validationProblem([{ property: '', constraints: { whitelistValidation: 'property  should not exist' }, children: [] }]).refusal.field).toBe('body');
    expect(validationProblem([]).refusal).toEqual({ code: 'validation_failed', detail: 'The request is not valid', field: 'body' });
  });

  it('refuses text PostgreSQL cannot store (NUL, lone surrogates) in the body, the query and the path, naming the field', async () => {
    const pipe = gatewayValidationPipe();
    const refusalOf = (value: unknown, metadata: Parameters<typeof pipe.transform>[1]) => pipe.transform(value, metadata).then(() => undefined, (error: unknown) => (error as ProblemException).refusal);
    expect(await refusalOf({ name: 'a\u0000b' }, { type: 'body', metatype: Flat })).toEqual({ code: 'validation_failed', field: 'name', detail: expect.stringContaining('NUL') });
    expect(await refusalOf({ items: [{ note: 'ok' }, { note: '\ud800' }] }, { type: 'body', metatype: Object })).toEqual(expect.objectContaining({ field: 'items.1.note' }));
    expect(await refusalOf({ q: '%\u0000' }, { type: 'query', metatype: Object })).toEqual(expect.objectContaining({ code: 'validation_failed', field: 'q' }));
    expect(await refusalOf('x\u0000', { type: 'query', data: 'q', metatype: String })).toEqual(expect.objectContaining({ field: 'q' }));
    expect(await refusalOf('rsv_\u0000', { type: 'param', data: 'reservationId', metatype: String })).toEqual(expect.objectContaining({ code: 'validation_failed', field: 'reservationId' }));
    expect(await refusalOf('\udc00', { type: 'param', data: 'token', metatype: String })).toEqual(expect.objectContaining({ field: 'token' }));
    expect(await refusalOf('fine 🙂', { type: 'param', data: 'token', metatype: String })).toBeUndefined();
  });
});
