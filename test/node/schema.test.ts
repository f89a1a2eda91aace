import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { REQUIRED_MIGRATIONS } from "../../edge/schema.ts";

describe("edge/schema.ts", () => {
  it("lists every migration in migrations/, in order (the edge is healthy only once all are applied)", async () => {
    const files = (await readdir(new URL("../../migrations", import.meta.url)))
      .filter((f) => f.endsWith(".sql"))
      .sort();
    expect(REQUIRED_MIGRATIONS, "add the new migration's file name to REQUIRED_MIGRATIONS in edge/schema.ts").toEqual(
      files,
    );
  });
});
