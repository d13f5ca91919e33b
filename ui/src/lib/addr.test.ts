import { describe, expect, it } from 'vitest';
import { MIB, bytesToMiB, joinAddr, mibToBytes, portProblem, splitAddr } from './addr';

describe('capture address', () => {
  it('splits and joins host:port, IPv6 in brackets', () => {
    expect(splitAddr('127.0.0.1:8787')).toEqual({ host: '127.0.0.1', port: '8787' });
    expect(splitAddr('[::1]:9000')).toEqual({ host: '::1', port: '9000' });
    expect(joinAddr(' 0.0.0.0 ', ' 8080 ')).toBe('0.0.0.0:8080');
    expect(joinAddr('::1', '9000')).toBe('[::1]:9000');
    expect(joinAddr('[::1]', '9000')).toBe('[::1]:9000');
  });

  it('checks the port', () => {
    expect(portProblem('0')).toBeNull();
    expect(portProblem('65535')).toBeNull();
    expect(portProblem('65536')).toMatch(/0 to 65535/);
    expect(portProblem('80a')).toMatch(/0 to 65535/);
    expect(portProblem('')).toMatch(/0 to 65535/);
  });
});

describe('body limit in MiB', () => {
  it('shows bytes as MiB and reads MiB back as bytes', () => {
    expect(bytesToMiB(25 * MIB)).toBe('25');
    expect(bytesToMiB(MIB / 2)).toBe('0.5');
    expect(mibToBytes('25')).toBe(25 * MIB);
    expect(mibToBytes('0,5')).toBe(MIB / 2);
    expect(mibToBytes(' 1.25 ')).toBe(1.25 * MIB);
    expect(mibToBytes('')).toBeNull();
    expect(mibToBytes('0')).toBeNull();
    expect(mibToBytes('-3')).toBeNull();
    expect(mibToBytes('ten')).toBeNull();
  });
});
