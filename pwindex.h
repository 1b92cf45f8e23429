/* pwindex.h: the cdb index of the password file (PATH.cdb). */
#ifndef PWINDEX_H
#define PWINDEX_H

#include <sys/stat.h>
#include "pwfile.h"

/* Path of the index beside a text file; NULL when it does not fit. */
char *pwindex_path(const char *textpath);
/* Rebuilds the index from the text at textpath, atomically.  0 or -1. */
int pwindex_build(const char *textpath, struct pwerr *err);
/* Looks up through the index when it exists and was built from the text
 * described by textst.  Returns 1 (m filled), 0 (not usable: m->index tells
 * why), -1 (temporary error, err set). */
int pwindex_lookup(const char *cdbpath, const struct stat *textst,
    const char *login, size_t loginlen, struct pwmatch *m, struct pwerr *err);
/* Lookup in an already opened cdb file; used by the fuzz target too. */
int pwindex_lookup_fd(int fd, const struct stat *textst, const char *login,
    size_t loginlen, struct pwmatch *m);

#endif
