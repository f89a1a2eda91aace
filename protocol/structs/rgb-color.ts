import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";

/** rgb_color (§4.1): 16-bit channels, the 8-bit value in the high byte. */
export interface RgbColor {
  readonly red: number;
  readonly green: number;
  readonly blue: number;
  /** GoS sends 0; DZ uses 0x0D for a "coop colour" variant. */
  readonly flags: number;
}

export const RGB_COLOR_SIZE = 8;

export function readRgbColor(r: PayloadReader, what = "color"): RgbColor {
  return { red: r.u16(what), green: r.u16(what), blue: r.u16(what), flags: r.u16(what) };
}

export function writeRgbColor(w: PayloadWriter, c: RgbColor): void {
  w.u16(c.red).u16(c.green).u16(c.blue).u16(c.flags);
}

/** 24-bit 0xRRGGBB from the high bytes of the channels (GoS rgb_color_to_int; lossy by design). */
export function rgbToInt(c: RgbColor): number {
  return ((c.red << 8) & 0xff0000) | (c.green & 0x00ff00) | ((c.blue >> 8) & 0x0000ff);
}
