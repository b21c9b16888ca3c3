// Attribute converters for the widget's on-by-default switches: `sound="false"` (what the embed script
// writes for data-sound="false") must turn a feature off, which plain boolean attributes cannot.
import type { ComplexAttributeConverter } from 'lit';

const OFF = /^(false|off|no|0)$/i;

/** Absent means on; present means on unless it says false/off/no/0. */
export const onByDefault: ComplexAttributeConverter<boolean> = {
  fromAttribute: (value) => value === null || !OFF.test(value),
  toAttribute: (value) => (value ? null : 'false'),
};

/** Absent means off; present means on unless it says false/off/no/0. */
export const offByDefault: ComplexAttributeConverter<boolean> = {
  fromAttribute: (value) => value !== null && !OFF.test(value),
  toAttribute: (value) => (value ? '' : null),
};
