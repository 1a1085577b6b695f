import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { describe, expect, test } from "vitest";
import { untar } from "../../dev/db/pglite-extensions.ts";

/** One ustar header block for `name`, of `type`, announcing `size` bytes. */
function header(name: string, type: string, size: number): Uint8Array {
  const block = new Uint8Array(512);
  const put = (at: number, text: string) => block.set(new TextEncoder().encode(text), at);
  put(0, name);
  put(124, `${size.toString(8).padStart(11, "0")}\0`);
  put(156, type);
  put(257, "ustar\0");
  return block;
}

describe("the extension bundles' reader", () => {
  test("reads pgcrypto's bundle: its library, control file and scripts", async () => {
    const { bundlePath } = await pgcrypto.setup(undefined as never, {});
    const files = untar(gunzipSync(readFileSync(bundlePath)))!;
    const names = files.map((f) => f.name);
    expect(names).toContain("lib/postgresql/pgcrypto.so");
    expect(names).toContain("share/postgresql/extension/pgcrypto.control");
    const library = files.find((f) => f.name.endsWith(".so"))!.data;
    // A whole WebAssembly module, not a truncated or misnamed file.
    expect(WebAssembly.validate(new Uint8Array(library))).toBe(true);
    expect(new TextDecoder().decode(files.find((f) => f.name.endsWith(".control"))!.data)).toContain("pgcrypto");
  });

  test("leaves an archive with anything but files and folders to PGlite's own loader", () => {
    const data = new Uint8Array(512);
    const archive = (type: string) => new Uint8Array([...header("a/b.sql", type, 3), ...data, ...new Uint8Array(1024)]);
    expect(untar(archive("0"))).toEqual([{ name: "a/b.sql", data: new Uint8Array(3) }]);
    expect(untar(archive("x"))).toBeUndefined(); // a pax header
    expect(untar(archive("L"))).toBeUndefined(); // a GNU long name
    expect(untar(archive("2"))).toBeUndefined(); // a symbolic link
  });
});
