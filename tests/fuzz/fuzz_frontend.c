/* fuzz_frontend.c -- libFuzzer harness for the whole front end.
 *
 * Each input is a .sgl file: it is parsed, checked and run (print
 * evaluates).  Imports resolve only to the built-in stdlib, so the fuzzer
 * never reads the file system.  Built and run by `make fuzz`.
 */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include "lang/loader.h"
#include "lang/sema.h"

static void ignore(void *ud, const Diag *d)
{
	Buf b = {0};
	diag_render(&b, ud, d); /* rendering must not crash either */
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Diags diags;
	Program prog;
	diags_init(&diags, NULL, ignore, NULL);
	program_init(&prog, &diags);
	diags.ud = &prog.sources;
	prog.embedded_only = true;
	Module *m = loader_load_text(&prog, "fuzz.sgl", (const char *)data, size);
	if (m && !diags_stopped(&diags)) {
		Sema *s = sema_new(&prog);
		if (sema_check(s, NULL, 0)) {
			FILE *null = fopen("/dev/null", "w");
			if (null) {
				sema_run(s, null, NULL);
				fclose(null);
			}
		}
	}
	diags_free(&diags);
	program_free(&prog);
	return 0;
}
