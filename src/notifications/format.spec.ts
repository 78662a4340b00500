import { addressLines, escapeHtml, formatMoney } from './format';

describe('formatMoney (integer minor units)', () => {
  it.each([
    [4349, 'usd', '$43.49'],
    [5, 'usd', '$0.05'],
    [0, 'eur', '€0.00'],
    [-350, 'usd', '-$3.50'],
    [123456789, 'gbp', '£1,234,567.89'],
    [1234, 'jpy', '¥1,234'],
    [1234, 'kwd', 'KWD 1.234'],
    [Number.MAX_SAFE_INTEGER, 'usd', '$90,071,992,547,409.91'],
  ])('%d %s → %s', (minor, currency, expected) => {
    expect(formatMoney(minor, currency).replace(/\u00a0/g, ' ')).toBe(expected);
  });
});

describe('escapeHtml / addressLines', () => {
  it('escapes markup', () => {
    expect(escapeHtml(`<b a="1">Tom & Jerry's</b>`)).toBe('&lt;b a=&quot;1&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;');
  });

  it('drops empty optional parts', () => {
    expect(addressLines({ name: 'Ada', street: '1 Row', city: 'London', state: null, postalCode: 'EC1', district: null, country: 'GB', phone: null })).toEqual([
      'Ada',
      '1 Row',
      'London EC1',
      'GB',
    ]);
  });
});
