// The PostgreSQL extensions the migrations create, in their PGlite builds. Supabase
// and the test cluster have them installed; PGlite must load each when it opens.
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";

export const pgliteExtensions = { pgcrypto };
