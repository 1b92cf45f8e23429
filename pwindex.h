/* pwindex.h: the cdb index of the password file (PATH.cdb). */
#ifndef PWINDEX_H
#define PWINDEX_H

#include <sys/stat.h>
#include "pwfile.h"

/* Path of the index beside a text file; NULL when it does not fit. */
char *pwindex_path(const char *textpath);
/* Rebuilds the index from the text at textpath, atomically.  0 or -1. */
int pwindex_build(const char *textpath, struct pwerr *err);
/* When set, pwindex_build calls it on the new index (tmpfd, owner and mode
 * set) with the text open on textfd, before writing: cmd5pw copies the
 * text's ACL there.  0, or -1 with err set. */
extern int (*pwindex_prepare)(int tmpfd, int textfd, struct pwerr *err);
/* Looks up through the index when it exists and was built from the text
 * described by textst.  Returns 1 (m filled), 0 (not usable: m->index tells
 * why), -1 (temporary error, err set). */
int pwindex_lookup(const char *cdbpath, const struct stat *textst,
    const char *login, size_t loginlen, struct pwmatch *m, struct pwerr *err);
/* Lookup in an already opened cdb file; used by the fuzz target too. */
int pwindex_lookup_fd(int fd, const struct stat *textst, const char *login,
    size_t loginlen, struct pwmatch *m);

#endif
