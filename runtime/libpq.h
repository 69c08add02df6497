/* libpq, loaded with dlopen when the first connection is made instead of
 * by the dynamic linker at start: libpq5 brings some twenty libraries
 * (OpenSSL, Kerberos, LDAP, GnuTLS), and binding them was most of the
 * start-up time of every command, `luamig --version` included.
 *
 * The prototypes still come from libpq-fe.h: the table holds one pointer
 * per function pg.c uses, each of the type of the declared function, and
 * the macros below make a call by its name go through the table. A file
 * that includes this header calls PQxxx only after luamig_libpq_load()
 * succeeded. */
#ifndef LUAMIG_LIBPQ_H
#define LUAMIG_LIBPQ_H

#include <libpq-fe.h>

#define LUAMIG_LIBPQ_SONAME "libpq.so.5"

/* X(name) for every libpq function luamig calls. */
#define LUAMIG_LIBPQ_FUNCTIONS(X) \
  X(PQbackendPID) X(PQcancel) X(PQclear) X(PQcmdStatus) X(PQcmdTuples) \
  X(PQconnectPoll) X(PQconnectStart) X(PQconninfoFree) X(PQconninfoParse) \
  X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQfinish) X(PQfreemem) \
  X(PQfname) X(PQfreeCancel) X(PQftype) X(PQgetCancel) X(PQgetResult) \
  X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnfields) X(PQntuples) \
  X(PQputCopyData) X(PQputCopyEnd) X(PQresultErrorField) \
  X(PQresultErrorMessage) X(PQresultStatus) X(PQsendQueryParams) \
  X(PQserverVersion) X(PQsetNoticeProcessor) X(PQsetSingleRowMode) \
  X(PQsocket) X(PQstatus) X(PQtransactionStatus)

struct luamig_libpq {
#define LUAMIG_LIBPQ_POINTER(name) __typeof__(name) *name;
  LUAMIG_LIBPQ_FUNCTIONS(LUAMIG_LIBPQ_POINTER)
#undef LUAMIG_LIBPQ_POINTER
};

/* Filled completely, or not at all, by luamig_libpq_load. */
extern struct luamig_libpq luamig_pq;

/* Loads libpq.so.5 and every function in the table, once; returns NULL, or
 * a message naming the library and saying why it cannot be loaded (the
 * text of dlerror). Not for a signal handler. */
const char *luamig_libpq_load(void);

#ifndef LUAMIG_LIBPQ_NO_MACROS
#define PQbackendPID (luamig_pq.PQbackendPID)
#define PQcancel (luamig_pq.PQcancel)
#define PQclear (luamig_pq.PQclear)
#define PQcmdStatus (luamig_pq.PQcmdStatus)
#define PQcmdTuples (luamig_pq.PQcmdTuples)
#define PQconnectPoll (luamig_pq.PQconnectPoll)
#define PQconnectStart (luamig_pq.PQconnectStart)
#define PQconninfoFree (luamig_pq.PQconninfoFree)
#define PQconninfoParse (luamig_pq.PQconninfoParse)
#define PQerrorMessage (luamig_pq.PQerrorMessage)
#define PQexec (luamig_pq.PQexec)
#define PQexecParams (luamig_pq.PQexecParams)
#define PQfinish (luamig_pq.PQfinish)
#define PQfname (luamig_pq.PQfname)
#define PQfreeCancel (luamig_pq.PQfreeCancel)
#define PQfreemem (luamig_pq.PQfreemem)
#define PQftype (luamig_pq.PQftype)
#define PQgetCancel (luamig_pq.PQgetCancel)
#define PQgetResult (luamig_pq.PQgetResult)
#define PQgetisnull (luamig_pq.PQgetisnull)
#define PQgetlength (luamig_pq.PQgetlength)
#define PQgetvalue (luamig_pq.PQgetvalue)
#define PQnfields (luamig_pq.PQnfields)
#define PQntuples (luamig_pq.PQntuples)
#define PQputCopyData (luamig_pq.PQputCopyData)
#define PQputCopyEnd (luamig_pq.PQputCopyEnd)
#define PQresultErrorField (luamig_pq.PQresultErrorField)
#define PQresultErrorMessage (luamig_pq.PQresultErrorMessage)
#define PQresultStatus (luamig_pq.PQresultStatus)
#define PQsendQueryParams (luamig_pq.PQsendQueryParams)
#define PQserverVersion (luamig_pq.PQserverVersion)
#define PQsetNoticeProcessor (luamig_pq.PQsetNoticeProcessor)
#define PQsetSingleRowMode (luamig_pq.PQsetSingleRowMode)
#define PQsocket (luamig_pq.PQsocket)
#define PQstatus (luamig_pq.PQstatus)
#define PQtransactionStatus (luamig_pq.PQtransactionStatus)
#endif

#endif
