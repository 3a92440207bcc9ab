#ifndef ECBA_CLIBXML2_SHIM_H
#define ECBA_CLIBXML2_SHIM_H

/* Debian's libxml2 is built with ICU; its headers then pull in the system ICU, whose
 * definitions clash with the copy inside Foundation. Nothing here uses ICU types, and the
 * structs that embed them are only handled through pointers. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlIO.h>

/// Swift 6 refuses the global `xmlFree` (a mutable global function pointer); call it here.
static inline void ecba_xml_free(void *pointer) { xmlFree(pointer); }

/// The loader that refuses every network URL, as a plain function Swift can pass around.
static inline void ecba_install_nonet_loader(void) {
    xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
}

#endif
