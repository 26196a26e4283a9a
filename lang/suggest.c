/* suggest.c -- edit distance and "did you mean" (suggest.h). */
#include "config.h"
#include "suggest.h"

#include <stdlib.h>
#include <string.h>

int edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 64 || m > 64) return 1000;
	int d[65][65];
	for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

void suggest_init(Suggest *s, const char *word)
{
	s->word = word;
	s->best = NULL;
	s->dist = 1000;
}

void suggest_offer(Suggest *s, const char *candidate)
{
	if (!candidate || strcmp(candidate, s->word) == 0) return;
	int d = edit_distance(s->word, candidate);
	/* "memory" for "mem", "nvlink" for "nvlink4": a prefix is close */
	size_t lw = strlen(s->word), lc = strlen(candidate);
	if (lw >= 3 && lc >= 3 && !strncmp(s->word, candidate, lw < lc ? lw : lc) && d > 1)
		d = 1;
	if (d < s->dist || (d == s->dist && s->best && strcmp(candidate, s->best) < 0)) {
		s->dist = d;
		s->best = candidate;
	}
}

bool words_contain(const char *words, const char *word)
{
	size_t n = strlen(word);
	while (*words) {
		const char *bar = strchr(words, '|');
		size_t len = bar ? (size_t)(bar - words) : strlen(words);
		if (len == n && memcmp(words, word, n) == 0)
			return true;
		if (!bar) break;
		words = bar + 1;
	}
	return false;
}

void suggest_offer_words(Suggest *s, const char *words)
{
	while (*words) {
		const char *bar = strchr(words, '|');
		size_t n = bar ? (size_t)(bar - words) : strlen(words);
		char w[sizeof s->keep];
		if (n < sizeof w) {
			memcpy(w, words, n);
			w[n] = 0;
			int d = edit_distance(s->word, w);
			if (d > 0 && d < s->dist) {
				memcpy(s->keep, w, n + 1);
				s->best = s->keep;
				s->dist = d;
			}
		}
		if (!bar) break;
		words = bar + 1;
	}
}

const char *suggest_best(const Suggest *s)
{
	size_t n = strlen(s->word);
	int limit = n <= 3 ? 1 : n <= 6 ? 2 : 3;
	return s->best && s->dist <= limit ? s->best : NULL;
}
