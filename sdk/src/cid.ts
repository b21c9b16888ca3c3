// Client message ids (`cid`): random, URL-safe, 21 characters (126 bits), so that a retried send is
// recognised by the server as the same message and never collides with another one.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const LENGTH = 21;

export function newCid(): string {
  const bytes = new Uint8Array(LENGTH);
  const crypto = (globalThis as { crypto?: { getRandomValues?(a: Uint8Array): Uint8Array } }).crypto;
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  // Runtimes without Web Crypto still get unique-enough ids; they only need to be unique per user and room.
  else for (let i = 0; i < LENGTH; i++) bytes[i] = Math.floor(Math.random() * 256);
  let cid = '';
  // 256 is a multiple of 64, so masking keeps every character equally likely.
  for (const b of bytes) cid += ALPHABET[b & 63];
  return cid;
}
