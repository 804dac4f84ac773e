/* pull.c - the pull poller (bigo-protocol.md 2): not written yet.
 *
 * Until it is, enabling pull is refused at start-up, so nobody believes
 * compensation is running when it is not.
 */
#include <stdio.h>

#include "bigo/internal.h"

lt_bigo_pull *lt_bigo_pull_create(lt_bigo *b, const lt_bigo_pull_options *o, char *err, size_t errlen)
{
    (void)b;
    (void)o;
    snprintf(err, errlen, "pull compensation is not implemented yet");
    return NULL;
}

void lt_bigo_pull_destroy(lt_bigo_pull *p)
{
    (void)p;
}

void lt_bigo_pull_note(lt_bigo_pull *p, const lt_bigo_batch *batch, int64_t now)
{
    (void)p;
    (void)batch;
    (void)now;
}

int lt_bigo_pull_tick(lt_bigo_pull *p, int64_t now)
{
    (void)p;
    (void)now;
    return 1000;
}

void lt_bigo_pull_shutdown(lt_bigo_pull *p, int timeout_ms)
{
    (void)p;
    (void)timeout_ms;
}
