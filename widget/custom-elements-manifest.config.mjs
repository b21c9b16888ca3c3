// Config of @custom-elements-manifest/analyzer (`npm run manifest -w widget`): the public element only,
// without Lit's internal reactive state or the generic `_emit(type)` the analyzer mistakes for an event.
export default {
  globs: ['src/chat-widget.ts', 'src/index.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      name: 'parley-public-only',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const decl of mod.declarations ?? []) {
            decl.attributes = decl.attributes?.filter((a) => !a.name.startsWith('_'));
            decl.members = decl.members?.filter((m) => !m.name.startsWith('_') && m.privacy !== 'private');
            decl.events = decl.events?.filter((e) => e.name !== 'type');
          }
        }
      },
    },
  ],
};
