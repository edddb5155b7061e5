// Builds the viewer into ../wwwroot/viewer: viewer.js (the page's module: Cornerstone3D core, tools and the DICOM image
// loader), thumbnails.js (the series thumbnails of the look-up and the request page) with the chunk they share, decodeImageFrameWorker.js (the loader's decoding web worker, which the loader starts from a URL beside
// viewer.js) and the WebAssembly decoders the worker fetches (JPEG baseline, JPEG-LS, JPEG 2000, HTJ2K). Run it through
// tools/build-viewer.sh, which installs the locked packages first.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'wwwroot', 'viewer');
const modules = join(here, 'node_modules');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// Our corrected copies of loader files with a fault (see each file's comment), in place of the loader's own.
const corrected = {
  name: 'corrected-loader-files',
  setup(builder) {
    builder.onResolve({ filter: /\/isColorConversionRequired\.js$/ }, args =>
      args.importer.includes(join('@cornerstonejs', 'dicom-image-loader')) ? { path: join(here, 'src', 'shims', 'isColorConversionRequired.js') } : undefined);
    // Native 16-bit grey frames decoded where they are asked for, not through the decoding worker (see the file).
    builder.onResolve({ filter: /\/decodeImageFrame\.js$/ }, args =>
      args.importer.endsWith(join('imageLoader', 'createImage.js')) ? { path: join(here, 'src', 'shims', 'decodeImageFrame.js') } : undefined);
    // Cornerstone's surface meshes (PLY, STL, OBJ, VTP files), which the viewer never shows: their readers bring XML and
    // YAML libraries (360 KB the page would parse for nothing).
    builder.onResolve({ filter: /\/classes\/Mesh\.js$/ }, args =>
      args.importer.includes(join('@cornerstonejs', 'core')) ? { path: join(here, 'src', 'shims', 'Mesh.js') } : undefined);
    // The tools' own modules where their package exports no path to them (see cornerstone.js).
    builder.onResolve({ filter: /^@cornerstonejs\/tools\/dist\/esm\// }, args => ({ path: join(modules, args.path) }));
    // Pixels already of their type are not copied once more (see the file).
    builder.onResolve({ filter: /\/setPixelDataType\.js$/ }, args =>
      args.importer.endsWith(join('imageLoader', 'createImage.js')) ? { path: join(here, 'src', 'shims', 'setPixelDataType.js') } : undefined);
  },
};

const common = {
  plugins: [corrected],
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  legalComments: 'none',
  logLevel: 'warning',
  // An import of a name its module does not export would be undefined at run time: a broken viewer, not a warning.
  logOverride: { 'import-is-undefined': 'error' },
  define: { 'process.env.NODE_ENV': '"production"' },
  // Node built-ins required by code the viewer never runs (vtk.js' XML writers, the decoders' Node paths).
  alias: {
    events: join(here, 'src', 'shims', 'events.js'),
    ...Object.fromEntries(['fs', 'path', 'crypto', 'module', 'url', 'worker_threads'].map(m => [m, join(here, 'src', 'shims', 'node.js')])),
  },
};

// Four modules: viewer.js (the viewer page), early.js (the viewer page's first calls, before the viewer has loaded), load.js
// (what the page's component imports: viewer.js once the first image is drawn) and
// thumbnails.js (the series strips of the look-up and the request page). Code both import (Cornerstone core and the image loader) goes into a shared chunk beside them, named after its
// content; the chunk must sit in this folder, since the loader starts its decoding worker from a URL relative to itself.
await build({
  ...common,
  entryPoints: { viewer: join(here, 'src', 'viewer.js'), thumbnails: join(here, 'src', 'thumbnails.js'), early: join(here, 'src', 'early.js'), load: join(here, 'src', 'load.js') },
  outdir: out,
  splitting: true,
  // Named after their content: the portal serves them as never changing (ViewerScriptCaching.cs matches this pattern).
  chunkNames: 'shared-[hash]',
});
// The worker that reads a series' streamed frames off the page's main thread (seriesFrames.js starts it from beside itself).
await build({
  ...common,
  entryPoints: [join(here, 'src', 'seriesFramesWorker.js')],
  outfile: join(out, 'seriesFramesWorker.js'),
});
await build({
  ...common,
  entryPoints: [join(modules, '@cornerstonejs', 'dicom-image-loader', 'dist', 'esm', 'decodeImageFrameWorker.js')],
  outfile: join(out, 'decodeImageFrameWorker.js'),
});

// The worker fetches these by name from the wasmBasePath the viewer gives the loader (the folder of viewer.js).
const wasm = [
  ['codec-charls', 'charlswasm_decode.wasm'],
  ['codec-libjpeg-turbo-8bit', 'libjpegturbowasm_decode.wasm'],
  ['codec-openjpeg', 'openjpegwasm_decode.wasm'],
  ['codec-openjph', 'openjphjs.wasm'],
];
for (const [pkg, file] of wasm) {
  copyFileSync(join(modules, '@cornerstonejs', pkg, 'dist', file), join(out, file));
}

// The licences of every package that ends up in the bundle, with its name and version.
const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
const notices = ['ImagePortal viewer: third-party notices', '', 'The files in this folder bundle the following packages (from package-lock.json).', ''];
for (const [path, meta] of Object.entries(lock.packages)) {
  if (!path.startsWith('node_modules/') || meta.dev) continue;
  const dir = join(here, path);
  const licence = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE', 'COPYING'].map(f => join(dir, f)).find(existsSync);
  notices.push('='.repeat(78), `${path.slice('node_modules/'.length)} ${meta.version} (${meta.license ?? 'see below'})`, '='.repeat(78));
  notices.push(licence ? readFileSync(licence, 'utf8').trim() : `No licence file in the package; package.json says: ${meta.license ?? 'nothing'}.`, '');
}
writeFileSync(join(out, 'THIRD-PARTY-NOTICES.txt'), notices.join('\n') + '\n');
console.log(`viewer built into ${out}`);
