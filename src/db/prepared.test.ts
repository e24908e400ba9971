/**
 * The placeholder values of prepared statements: merged in order and without a prototype (so a
 * placeholder named like an Object method is a value, and V8 keeps the object a dictionary).
 * drizzle filling them on a real SQLite file and a real D1: insert-where.test.ts.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { allOf, placeholderValues, rowValues, type PreparedCondition } from './prepared.js';

describe('placeholderValues', () => {
  it('merges the parts in order, a later part winning a name', () => {
    const values = placeholderValues({ a: 1, b: 2 }, { b: 3, c: null });
    expect({ ...values }).toEqual({ a: 1, b: 3, c: null });
  });

  it('has no prototype: a name like an Object method is only there when given', () => {
    const values = placeholderValues({ toString: 'x' });
    expect(Object.getPrototypeOf(values)).toBeNull();
    expect(values.toString).toBe('x');
    expect('valueOf' in values).toBe(false);
    expect('hasOwnProperty' in placeholderValues()).toBe(false);
  });
});

describe('rowValues', () => {
  it('names each key row.<key>, after the values of `also`, with undefined as null', () => {
    const values = rowValues({ id: 'u1', email: undefined, n: 0 }, { 'cond.x': 5 }, { 'cond.y': 'z' });
    expect({ ...values }).toEqual({ 'cond.x': 5, 'cond.y': 'z', 'row.id': 'u1', 'row.email': null, 'row.n': 0 });
    expect(Object.keys(values)).toEqual(['cond.x', 'cond.y', 'row.id', 'row.email', 'row.n']);
  });

  it('gives the same names for every row of a shape', () => {
    const first = Object.keys(rowValues({ id: 'a', createdAt: 1 }));
    const second = Object.keys(rowValues({ id: 'b', createdAt: 2 }));
    expect(second).toEqual(first);
    expect(second).toEqual(['row.id', 'row.createdAt']);
  });
});

describe('allOf', () => {
  it('carries every condition’s values', () => {
    const one: PreparedCondition = { key: 'one', build: () => sql`1`, values: { 'one.v': 1 } };
    const two: PreparedCondition = { key: 'two', build: () => sql`1`, values: { 'two.v': 2 } };
    const both = allOf(one, undefined, two);
    expect(both.key).toBe('(one & two)');
    expect({ ...both.values }).toEqual({ 'one.v': 1, 'two.v': 2 });
  });
});
