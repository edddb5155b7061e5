// Cornerstone's Mesh in place of its own (see build.mjs): this viewer shows images, never surface meshes, and the
// mesh readers would bring XML and YAML libraries into the page. Anything that tries to make one gets a clear error.
export class Mesh {
  constructor() {
    throw new Error('Surface meshes are not shown by this viewer.');
  }
}
