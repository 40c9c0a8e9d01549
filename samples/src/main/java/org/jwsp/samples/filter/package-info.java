/**
 * Portable filter samples: send filters written against the filter API alone
 * ({@code org.jwsp.provider.filter}) and the JDK, so each would run unchanged inside jwsp on
 * Windows. {@code SamplesArchitectureTest} holds that rule. The programs that drive them over the
 * Linux host live in {@code org.jwsp.samples}.
 */
package org.jwsp.samples.filter;
