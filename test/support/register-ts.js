/* eslint-disable */
// Lets a child process run the TypeScript sources directly (`node -r ./test/support/register-ts.js src/main.ts`),
// compiled on load with @swc/core exactly as Jest compiles them. Fault tests use it to start a real app process
// they can SIGTERM or SIGKILL, without a build step.
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const fs = require('node:fs');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

Module._extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
