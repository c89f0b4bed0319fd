/* SPDX-License-Identifier: GPL-2.0 */
/*
 * walk_print - the two-dimensional walk (walk2d.h) for people: text, one
 * JSON object, or an SVG picture of the grid of memory references that a
 * browser opens (the step prompt's `walk` command).
 */
#ifndef HV_WALK_PRINT_H
#define HV_WALK_PRINT_H

#include <stdio.h>
#include "walk2d.h"

void hv_walk_print(FILE *out, const struct hv_walk2d *w);
void hv_walk_print_json(FILE *out, const struct hv_walk2d *w);
void hv_walk_print_svg(FILE *out, const struct hv_walk2d *w);

#endif
