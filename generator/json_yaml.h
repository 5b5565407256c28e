/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing a JSON value as a YAML document, for the files Kubernetes users keep as YAML. */
#ifndef __DG_JSON_YAML_H
#define __DG_JSON_YAML_H

#include <jansson.h>

/*
 * The YAML text of root (block style, keys in the object's order, strings
 * quoted only where YAML would read them as something else), after header:
 * comment lines, each written as "# line". NULL and a message on failure;
 * free() the result.
 */
char *dg_json_to_yaml(const json_t *root, const char *const *header, size_t n_header);

#endif /* __DG_JSON_YAML_H */
