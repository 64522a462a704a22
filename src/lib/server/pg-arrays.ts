/**
 * A PostgreSQL array literal, bound as one parameter: drizzle would spread a JS array into a list
 * of parameters. Only for values holding no commas, quotes or braces (ISO timestamps, uuids).
 */
export const arrayLiteral = (values: string[]) => `{${values.join(',')}}`;
