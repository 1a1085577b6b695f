// The PostgreSQL extensions the migrations create, in their PGlite builds. Supabase
// and the test cluster have them installed; PGlite must load each when it opens.
//
// PGlite's own loader compiles and links an extension's library while it opens,
// whether anything calls it or not: for pgcrypto (3 MB, OpenSSL inside) that is a
// tenth of a second of every start of the stack. Here the bundle's files are only
// written into PGlite's file system, and PostgreSQL loads the library when it is
// first needed (CREATE EXTENSION, the first hmac()), as any server does; that is
// the path PGlite itself falls back to when a library cannot be preloaded.

import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import type { Extension, ExtensionSetupResult } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";

interface BundleFile {
  name: string;
  data: Uint8Array;
}

/** Emscripten's module, as far as writing files into it goes. */
interface PostgresFs {
  WASM_PREFIX: string;
  FS: {
    mkdirTree(path: string): void;
    writeFile(path: string, data: Uint8Array): void;
  };
}

const decoder = new TextDecoder();

/**
 * The regular files of a ustar archive, or undefined when it holds anything else
 * (long names, pax headers, links): then PGlite's loader, which reads them all, takes over.
 */
export function untar(tar: Uint8Array): BundleFile[] | undefined {
  const field = (at: number, length: number) => decoder.decode(tar.subarray(at, at + length)).replace(/\0[\s\S]*$/, "");
  const files: BundleFile[] = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const name = field(at, 100);
    if (!name) break; // the two zero blocks that end the archive
    const size = parseInt(field(at + 124, 12).trim() || "0", 8);
    const type = field(at + 156, 1);
    const prefix = field(at + 345, 155);
    if (!Number.isInteger(size) || size < 0) return undefined;
    if (type === "0" || type === "") {
      files.push({ name: prefix ? `${prefix}/${name}` : name, data: tar.slice(at + 512, at + 512 + size) });
    } else if (type !== "5") {
      return undefined;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** `extension` with its library left on disk for PostgreSQL to load on first use. */
export function loadedOnFirstUse(extension: Extension): Extension {
  return {
    name: extension.name,
    async setup(pg, emscriptenOpts, clientOnly): Promise<ExtensionSetupResult> {
      const result = await extension.setup(pg, emscriptenOpts, clientOnly);
      if (!result.bundlePath) return result;
      const files = untar(gunzipSync(await readFile(result.bundlePath)));
      if (!files) return result;
      const { bundlePath: _loadedHere, ...rest } = result;
      const opts = rest.emscriptenOpts ?? emscriptenOpts;
      const write = (mod: PostgresFs) => {
        for (const file of files) {
          const path = `${mod.WASM_PREFIX}/${file.name}`;
          mod.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
          mod.FS.writeFile(path, file.data);
        }
      };
      return { ...rest, emscriptenOpts: { ...opts, preRun: [...(opts.preRun ?? []), write] } };
    },
  };
}

export const pgliteExtensions = { pgcrypto: loadedOnFirstUse(pgcrypto) };
