/** Operations per bulk request and ids per `$in`: round trips grow with N/1000. */
export const CHUNK_SIZE = 1000;
