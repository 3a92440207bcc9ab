#ifndef ECBA_CZIPINFLATE_SHIM_H
#define ECBA_CZIPINFLATE_SHIM_H

#include <zlib.h>

/// inflateInit2 is a macro (it passes ZLIB_VERSION and the struct size); raw deflate, as zip
/// entries store it (negative window bits: no zlib header or trailer).
static inline int ecba_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}

#endif
