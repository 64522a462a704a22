import type { Db } from '.';

/**
 * A value made once per database handle and kept while the handle lives: prepared queries and
 * batchers belong to the pool (or test database) they were made for.
 */
export function perDatabase<T>(make: (db: Db) => T): (db: Db) => T {
	const made = new WeakMap<Db, T>();
	return (db) => {
		if (!made.has(db)) made.set(db, make(db));
		return made.get(db)!;
	};
}
