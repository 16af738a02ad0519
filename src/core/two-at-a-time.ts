/**
 * `judge` of each item, in order, with at most two running at once after
 * the first, which runs alone: it reads the files the others mostly share,
 * and two first reads at once would both read them all.
 */
export async function mapTwoAtATime<T, R>(items: readonly T[], judge: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  if (items.length === 0) return results;
  results[0] = await judge(items[0]!);
  let next = 1;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await judge(items[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}
