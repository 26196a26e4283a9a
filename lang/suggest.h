/* suggest.h -- "did you mean" suggestions by edit distance.
 *
 * Feed candidates with suggest_offer; suggest_best returns the closest one
 * within a distance that scales with the word's length, or NULL.
 */
#ifndef SGL_SUGGEST_H
#define SGL_SUGGEST_H
#include <stdbool.h>

typedef struct Suggest {
	const char *word;
	const char *best;
	int dist;
	char keep[64];   /* the best word when it came from a word list */
} Suggest;

void suggest_init(Suggest *s, const char *word);
void suggest_offer(Suggest *s, const char *candidate);
const char *suggest_best(const Suggest *s);
/* Damerau-Levenshtein (optimal string alignment) distance. */
int edit_distance(const char *a, const char *b);
/* Whether `word` is one of the words of "a|b|c". */
bool words_contain(const char *words, const char *word);
/* Offers every word of "a|b|c". */
void suggest_offer_words(Suggest *s, const char *words);

#endif
