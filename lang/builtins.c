/* builtins.c -- parses the signature strings of builtins.def (builtins.h). */
#include "config.h"
#include "builtins.h"
#include "suggest.h"

#include <string.h>

static Builtin table[BI_COUNT] = {
#define BUILTIN(ID, NAME, PARAMS, RESULT, DOC) \
	{.id = BI_##ID, .name = NAME, .doc = DOC, .spec = PARAMS, .result = BR_##RESULT},
#include "builtins.def"
#undef BUILTIN
};
static bool parsed;

static void parse_param(BuiltinParam *p, const char *s, size_t n)
{
	while (n && s[0] == ' ') s++, n--;
	const char *colon = memchr(s, ':', n);
	size_t nl = (size_t)(colon - s);
	if (nl >= sizeof p->name) nl = sizeof p->name - 1;
	memcpy(p->name, s, nl);
	const char *k = colon + 1;
	size_t kl = n - (size_t)(k - s);
	if (kl && k[kl - 1] == '?') { p->optional = true; kl--; }
	if (kl == 1 && k[0] == 'a') p->kind = PK_A;
	else if (kl == 3 && !memcmp(k, "str", 3)) p->kind = PK_STR;
	else if (kl == 3 && !memcmp(k, "any", 3)) p->kind = PK_ANY;
	else if (kl == 5 && !memcmp(k, "param", 5)) p->kind = PK_PARAM;
	else if (kl > 5 && !memcmp(k, "word=", 5)) {
		p->kind = PK_WORD;
		size_t wl = kl - 5 < sizeof p->words - 1 ? kl - 5 : sizeof p->words - 1;
		memcpy(p->words, k + 5, wl);
	} else {
		double mul, div;
		size_t bo, bl;
		p->kind = PK_DIM;
		p->dim = dim_none;
		unit_parse(k, kl, &mul, &div, &p->dim, &bo, &bl);
	}
}

static void parse_all(void)
{
	for (int i = 0; i < BI_COUNT; i++) {
		Builtin *b = &table[i];
		const char *s = b->spec;
		while (*s) {
			const char *comma = strchr(s, ',');
			size_t n = comma ? (size_t)(comma - s) : strlen(s);
			while (n && *s == ' ') s++, n--;
			if (n >= 3 && !memcmp(s, "...", 3))
				b->variadic = true;
			else if (b->nparams < BUILTIN_MAX_PARAMS)
				parse_param(&b->params[b->nparams++], s, n);
			if (!comma) break;
			s = comma + 1;
		}
	}
	parsed = true;
}

const Builtin *builtin_at(int i)
{
	if (!parsed) parse_all();
	return i >= 0 && i < BI_COUNT ? &table[i] : NULL;
}

const Builtin *builtin_find(const char *name)
{
	if (!parsed) parse_all();
	for (int i = 0; i < BI_COUNT; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

bool builtin_word_ok(const BuiltinParam *p, const char *word)
{
	return words_contain(p->words, word);
}
