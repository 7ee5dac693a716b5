// Jest runs the TypeScript tests as CommonJS, and on Node 20 it cannot load an ES
// module; the scripts' own modules (scripts/lib/*.mjs: the service supervisor and its
// helpers) are ES modules that also run as they are under node. This turns them into
// CommonJS as jest loads them. `import.meta.url` has no CommonJS form, so it becomes the
// file URL of the module.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const self = readFileSync(__filename);

module.exports = {
  process(source, filename) {
    const withoutMeta = source.replace(/\bimport\.meta\.url\b/g, "require('node:url').pathToFileURL(__filename).href");
    const { outputText } = ts.transpileModule(withoutMeta, {
      fileName: filename.replace(/\.mjs$/, '.js'),
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        allowJs: true,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    return { code: outputText };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(self).update(filename).update(source).digest('hex');
  },
};
