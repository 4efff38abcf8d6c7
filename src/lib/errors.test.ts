import { expect, it } from 'vitest';
import { isTransientStoreError, TaktError, toTaktError } from './errors.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

it('maps passing database failures to unavailable, anything else to internal with a fixed message', () => {
  const cases = [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('connection failure', '08006'),
    withCode('database or disk is full', 'SQLITE_FULL'),
    withCode('disk I/O error', 'SQLITE_IOERR_WRITE'),
    new Error('Connection terminated unexpectedly'),
    withCode('duplicate key value violates unique constraint', '23505'),
    new TypeError("Cannot read properties of undefined (reading 'id')"),
  ];
  expect(
    cases.map((e) => [isTransientStoreError(e), toTaktError(e, 'internal error: see the server log').code]),
  ).toEqual([
    [true, 'unavailable'],
    [true, 'unavailable'],
    [true, 'unavailable'],
    [true, 'unavailable'],
    [true, 'unavailable'],
    [true, 'unavailable'],
    [true, 'unavailable'],
    [false, 'internal'],
    [false, 'internal'],
  ]);
  expect(toTaktError(cases[8], 'internal error: see the server log').message).toBe(
    'internal error: see the server log',
  );
  const own = new TaktError('conflict', 'already there');
  expect(toTaktError(own, 'x')).toBe(own);
});
