import { quantile, Samples, summarize } from './stats';

describe('latency summaries', () => {
  it('takes nearest-rank quantiles of exact samples', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile(sorted, 1)).toBe(100);
    expect(quantile(new Float64Array(0), 0.5)).toBeNaN();
  });

  it('summarises unsorted samples without changing them', () => {
    const samples = [5, 1, 3, 2, 4];
    expect(summarize(samples)).toEqual({ count: 5, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
    expect(samples).toEqual([5, 1, 3, 2, 4]);
  });

  it('grows a sample buffer past its first size', () => {
    const samples = new Samples();
    for (let i = 0; i < 5000; i++) samples.push(i);
    expect(samples.length).toBe(5000);
    expect(summarize(samples.values()).max).toBe(4999);
  });
});
