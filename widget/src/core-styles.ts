// The always-loaded styles: host reset, theme variables, launcher and the panel's placement. Adopted as
// constructable stylesheets, which a strict CSP allows without 'unsafe-inline'. Colours and sizes read
// the documented --parley-* custom properties.
import { css } from 'lit';

export const coreStyles = css`
  :host {
    /* Host pages cannot leak inherited styles (font, colour, line-height, direction…) into the widget. */
    all: initial;
    display: contents;
  }
  :host([mode='inline']) {
    display: block;
    height: var(--parley-height, 520px);
  }
  [hidden] {
    display: none !important;
  }

  .root {
    --_accent: var(--parley-accent, #3451d1);
    --_accent-fg: var(--parley-accent-fg, #ffffff);
    --_bg: var(--parley-bg, #ffffff);
    --_fg: var(--parley-fg, #1b1f24);
    --_muted: var(--parley-muted, #59606d);
    --_surface: var(--parley-surface, #f1f3f7);
    --_border: var(--parley-border, #e1e4ea);
    --_danger: var(--parley-danger, #b42318);
    --_radius: var(--parley-radius, 14px);
    --_shadow: var(--parley-shadow, 0 12px 40px rgb(15 20 30 / 0.18), 0 2px 8px rgb(15 20 30 / 0.08));
    --_on-danger: #ffffff;
    --_gap: 12px;
    --_pad: 14px;
    --_bubble-pad: 7px 12px;
    font-family: var(--parley-font, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);
    font-size: var(--parley-font-size, 14px);
    line-height: 1.45;
    color: var(--_fg);
    text-align: start;
    letter-spacing: normal;
    word-spacing: normal;
    text-transform: none;
    -webkit-font-smoothing: antialiased;
    color-scheme: light;
  }
  .root.inline {
    height: 100%;
  }
  /* The floating layer: a popover in the top layer (where no transform, filter, contain or z-index of
     the page reaches), else a fixed box under <html>. It covers the viewport but lets clicks through. */
  .root.floating {
    position: fixed;
    inset: 0;
    width: auto;
    height: auto;
    max-width: none;
    max-height: none;
    margin: 0;
    padding: 0;
    border: 0;
    background: none;
    overflow: visible;
    pointer-events: none;
    z-index: var(--parley-z-index, 2147483647);
  }
  .floating > * {
    pointer-events: auto;
  }
  .root.dark {
    --_accent: var(--parley-accent, #8ea6ff);
    --_accent-fg: var(--parley-accent-fg, #0c1124);
    --_bg: var(--parley-bg, #16181d);
    --_fg: var(--parley-fg, #e9ebf0);
    --_muted: var(--parley-muted, #a3a9b6);
    --_surface: var(--parley-surface, #252831);
    --_border: var(--parley-border, #30343e);
    --_danger: var(--parley-danger, #ff8a80);
    --_on-danger: #2a0a08;
    --_shadow: var(--parley-shadow, 0 12px 40px rgb(0 0 0 / 0.5));
    color-scheme: dark;
  }
  .root.compact {
    --_gap: 6px;
    --_pad: 10px;
    --_bubble-pad: 4px 10px;
    font-size: var(--parley-font-size, 13px);
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  button,
  input,
  textarea {
    font: inherit;
    color: inherit;
    letter-spacing: inherit;
    margin: 0;
  }
  button {
    cursor: pointer;
    background: none;
    border: 0;
    padding: 0;
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }

  /* ---- launcher ---- */
  .launcher {
    position: fixed;
    right: var(--parley-offset, 20px);
    bottom: var(--parley-offset, 20px);
    width: 56px;
    height: 56px;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_accent-fg);
    display: grid;
    place-items: center;
    box-shadow: var(--_shadow);
    transition: transform 0.15s ease;
  }
  .launcher:hover {
    transform: scale(1.06);
  }
  @media (prefers-reduced-motion: reduce) {
    .launcher {
      transition: none;
    }
    .launcher:hover {
      transform: none;
    }
  }
  .launcher svg {
    width: 26px;
    height: 26px;
  }
  .badge {
    position: absolute;
    top: -4px;
    right: -4px;
    min-width: 22px;
    height: 22px;
    padding: 0 6px;
    border-radius: 11px;
    background: var(--_danger);
    color: var(--_on-danger);
    font-size: 12px;
    font-weight: 700;
    line-height: 22px;
    text-align: center;
    border: 2px solid var(--_bg);
  }

  /* ---- panel ---- */
  .panel {
    display: flex;
    flex-direction: column;
    background: var(--_bg);
    color: var(--_fg);
    overflow: hidden;
    position: relative;
  }
  .floating .panel {
    display: flex;
    position: fixed;
    right: var(--parley-offset, 20px);
    bottom: calc(var(--parley-offset, 20px) + 68px);
    width: var(--parley-width, 370px);
    height: var(--parley-height, min(600px, calc(100vh - 120px)));
    border-radius: var(--_radius);
    box-shadow: var(--_shadow);
    border: 1px solid var(--_border);
  }
  .inline .panel {
    display: flex;
    height: 100%;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  @media (max-width: 480px) {
    .floating .panel {
      inset: 0;
      width: 100%;
      height: 100%;
      border-radius: 0;
      border: 0;
    }
    .floating.open .launcher {
      display: none;
    }
  }

`;
