// The endpoint suite on the stack's default database: embedded PGlite.
import { describe } from "vitest";
import { endpointSuite } from "./endpoints.ts";
import { startStack } from "./stack.ts";

describe("endpoints on embedded PGlite", () => {
  endpointSuite(() => startStack());
});
