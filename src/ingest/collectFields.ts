/**
 * Named values as a JSON object: a name seen once maps to its value, a repeated name to the array of its values
 * in order. Linear in the number of pairs (a repeat is one push), so a body of 250,000 repeats of one name costs
 * what 250,000 distinct names cost (issue 15: copying the array on each repeat was quadratic and froze the
 * service on one 200 KB form).
 */
export const collectFields = <V>(pairs: Iterable<readonly [string, V]>): Record<string, V | Array<V>> => {
  const values = new Map<string, Array<V>>()
  for (const [name, value] of pairs) {
    const seen = values.get(name)
    if (seen === undefined) values.set(name, [value])
    else seen.push(value)
  }
  return Object.fromEntries(Array.from(values, ([name, list]) => [name, list.length === 1 ? list[0]! : list]))
}
