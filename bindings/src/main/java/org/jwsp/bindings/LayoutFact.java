package org.jwsp.bindings;

/**
 * One number the Java bindings and the C compiler must agree on: a size, an alignment, a field
 * offset or size, or a constant's value.
 *
 * @param subject    what it is about, as C spells it: {@code struct _WSABUF}, {@code constant}
 * @param what       the measured thing: {@code sizeof}, {@code _Alignof}, {@code offsetof buf},
 *                   {@code sizeof buf}, or the constant's name
 * @param cExpr      a C expression of type {@code long long} that computes the same number
 * @param javaValue  what the bindings say
 * @param javaIsInt  the bindings hold the value in a Java {@code int}: only its low 32 bits are
 *                   kept, so a C {@code DWORD} like {@code 0xFFFFFFFF} and Java's {@code -1} agree
 */
public record LayoutFact(String subject, String what, String cExpr, long javaValue, boolean javaIsInt) {

    /** Whether a value the C compiler computed agrees with the bindings. */
    public boolean agreesWith(long cValue) {
        if (!javaIsInt) {
            return cValue == javaValue;
        }
        boolean fitsInt = cValue >= Integer.MIN_VALUE && cValue <= 0xFFFF_FFFFL;
        return fitsInt && (int) cValue == (int) javaValue;
    }

    /** The C condition that holds when the compiler agrees (for {@code _Static_assert}). */
    public String cCondition() {
        if (!javaIsInt) {
            return "(" + cExpr + ") == " + javaValue + "LL";
        }
        long unsigned = javaValue & 0xFFFF_FFFFL;
        return "((" + cExpr + ") == " + (int) javaValue + "LL || (" + cExpr + ") == " + unsigned + "LL)";
    }

    @Override
    public String toString() {
        return subject + ": " + what;
    }
}
