package org.jwsp.windows.install;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A file's owner and DACL as Windows writes them in SDDL
 * ({@code ConvertSecurityDescriptorToStringSecurityDescriptorW}, e.g.
 * {@code O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)}), parsed into what {@link InstallAcl}
 * decides on: the owner SID, whether a DACL is present ({@code D:NO_ACCESS_CONTROL} or no
 * {@code D:} part means none: everyone may do anything), and each ACE's type, flags, access mask
 * and SID. SID aliases ({@code SY}, {@code BA}, ...) become their {@code S-1-...} form, right
 * strings ({@code FA}, {@code GW}, ...) their mask, so the decision compares numbers.
 *
 * <p>Pure Java, so the installer's ACL decision is tested off Windows with the strings Windows
 * prints; {@link WindowsFileSecurity} reads them on Windows. Immutable.
 */
public record SecurityDescriptor(String owner, boolean daclPresent, boolean daclProtected, List<Ace> aces) {

    /** One ACE: its SDDL type ({@code A} allow, {@code D} deny, ...), flags, access mask and SID. */
    public record Ace(String type, String flags, int mask, String sid) {

        /** An allow ACE of any kind (plain, object, callback). */
        public boolean allows() {
            return type.equals("A") || type.equals("OA") || type.equals("XA") || type.equals("ZA");
        }

        /** {@code IO}: the ACE is only inherited by children, it does not apply to the object itself. */
        public boolean inheritOnly() {
            return flags.contains("IO");
        }
    }

    /** The SIDs behind the SDDL aliases jwsp meets on files; others stay as written. */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("SY", "S-1-5-18"), Map.entry("BA", "S-1-5-32-544"), Map.entry("BU", "S-1-5-32-545"),
            Map.entry("AU", "S-1-5-11"), Map.entry("WD", "S-1-1-0"), Map.entry("CO", "S-1-3-0"),
            Map.entry("OW", "S-1-3-4"), Map.entry("AC", "S-1-15-2-1"), Map.entry("IU", "S-1-5-4"),
            Map.entry("LS", "S-1-5-19"), Map.entry("NS", "S-1-5-20"), Map.entry("PU", "S-1-5-32-547"),
            Map.entry("BG", "S-1-5-32-546"), Map.entry("SU", "S-1-5-6"), Map.entry("NU", "S-1-5-2"),
            Map.entry("AN", "S-1-5-7"), Map.entry("CG", "S-1-3-1"));

    /** The access rights SDDL spells with two letters. */
    private static final Map<String, Integer> RIGHTS = Map.ofEntries(
            Map.entry("GA", 0x1000_0000), Map.entry("GX", 0x2000_0000), Map.entry("GW", 0x4000_0000),
            Map.entry("GR", 0x8000_0000), Map.entry("RC", 0x0002_0000), Map.entry("SD", 0x0001_0000),
            Map.entry("WD", 0x0004_0000), Map.entry("WO", 0x0008_0000), Map.entry("RP", 0x10), Map.entry("WP", 0x20),
            Map.entry("CC", 0x1), Map.entry("DC", 0x2), Map.entry("LC", 0x4), Map.entry("SW", 0x8),
            Map.entry("LO", 0x80), Map.entry("DT", 0x40), Map.entry("CR", 0x100),
            Map.entry("FA", 0x001F_01FF), Map.entry("FR", 0x0012_0089), Map.entry("FW", 0x0012_0116),
            Map.entry("FX", 0x0012_00A0));

    public SecurityDescriptor {
        aces = List.copyOf(aces);
    }

    /**
     * Parses the owner ({@code O:}) and DACL ({@code D:}) parts of {@code sddl}; a group or SACL
     * part is skipped.
     *
     * @throws IllegalArgumentException when the string is not SDDL this parser understands (an
     *                                  unknown right or a broken ACE): the caller refuses then
     */
    public static SecurityDescriptor parse(String sddl) {
        String owner = null;
        boolean present = false;
        boolean protect = false;
        List<Ace> aces = new ArrayList<>();
        int at = 0;
        while (at < sddl.length()) {
            if (at + 1 >= sddl.length() || sddl.charAt(at + 1) != ':') {
                throw new IllegalArgumentException("not SDDL at " + at + ": " + sddl);
            }
            char part = sddl.charAt(at);
            int end = nextPart(sddl, at + 2);
            String body = sddl.substring(at + 2, end);
            switch (part) {
                case 'O' -> owner = sid(body);
                case 'D' -> {
                    int open = body.indexOf('(');
                    String flags = open < 0 ? body : body.substring(0, open);
                    present = !flags.contains("NO_ACCESS_CONTROL");
                    protect = flags.contains("P");
                    if (open >= 0) {
                        parseAces(body.substring(open), aces, sddl);
                    }
                }
                case 'G', 'S' -> { }
                default -> throw new IllegalArgumentException("unknown SDDL part '" + part + ":' in " + sddl);
            }
            at = end;
        }
        return new SecurityDescriptor(owner, present, protect, aces);
    }

    /** Where the next {@code X:} part starts (outside parentheses), or the end. */
    private static int nextPart(String sddl, int from) {
        int depth = 0;
        for (int k = from; k < sddl.length(); k++) {
            char c = sddl.charAt(k);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (depth == 0 && k + 1 < sddl.length() && sddl.charAt(k + 1) == ':' && "OGDS".indexOf(c) >= 0) {
                return k;
            }
        }
        return sddl.length();
    }

    private static void parseAces(String text, List<Ace> into, String sddl) {
        int at = 0;
        while (at < text.length()) {
            int close = text.indexOf(')', at);
            if (text.charAt(at) != '(' || close < 0) {
                throw new IllegalArgumentException("broken ACE in " + sddl);
            }
            String[] f = text.substring(at + 1, close).split(";", -1);
            if (f.length < 6) {
                throw new IllegalArgumentException("an ACE needs 6 fields: (" + text.substring(at + 1, close) + ") in " + sddl);
            }
            into.add(new Ace(f[0], f[1], mask(f[2], sddl), sid(f[5])));
            at = close + 1;
        }
    }

    private static int mask(String rights, String sddl) {
        if (rights.startsWith("0x") || rights.startsWith("0X")) {
            return (int) Long.parseLong(rights.substring(2), 16);
        }
        if (rights.length() % 2 != 0) {
            throw new IllegalArgumentException("unknown access right in '" + rights + "' in " + sddl);
        }
        int mask = 0;
        for (int k = 0; k < rights.length(); k += 2) {
            Integer right = RIGHTS.get(rights.substring(k, k + 2));
            if (right == null) {
                throw new IllegalArgumentException("unknown access right in '" + rights + "' in " + sddl);
            }
            mask |= right;
        }
        return mask;
    }

    private static String sid(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        return upper.startsWith("S-") ? upper : ALIASES.getOrDefault(upper, upper);
    }
}
