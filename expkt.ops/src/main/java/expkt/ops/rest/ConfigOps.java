package expkt.ops.rest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * ConfigAdmin configurations for the REST API: read, write (checked against the component's metatype
 * when it has one, so a wrong value is refused with the attribute's own message before any component
 * sees it), delete.
 *
 * <p>JSON values map to configuration values: a string, number (integer → Long, else Double) or
 * boolean as is, an array of those as an array of the first element's type. With a metatype, each
 * value is converted to the attribute's type and validated by
 * {@link AttributeDefinition#validate(String)}; a key the metatype does not describe is refused.
 *
 * <p>Threading: safe from any thread (ConfigAdmin and MetaType are).
 */
final class ConfigOps {
    /** The property FileInstall puts into a configuration it made from a file: the file's URL. */
    static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    private final MetaTypeService metaType;

    ConfigOps(BundleContext context, ConfigurationAdmin configAdmin, MetaTypeService metaType) {
        this.context = context;
        this.configAdmin = configAdmin;
        this.metaType = metaType;
    }

    List<Map<String, Object>> list() throws ApiException {
        try {
            Configuration[] all = configAdmin.listConfigurations(null);
            List<Map<String, Object>> out = new ArrayList<>();
            if (all != null) {
                for (Configuration c : all) {
                    out.add(describe(c));
                }
            }
            out.sort((a, b) -> ((String) a.get("pid")).compareTo((String) b.get("pid")));
            return out;
        } catch (IOException | InvalidSyntaxException e) {
            throw new ApiException(500, "ConfigAdmin could not list the configurations: " + e.getMessage());
        }
    }

    Map<String, Object> get(String pid) throws ApiException {
        return describe(existing(pid));
    }

    /** Sets the whole configuration of {@code pid} to {@code values}; returns what was stored. */
    Map<String, Object> put(String pid, Object body) throws ApiException {
        checkPid(pid);
        if (!(body instanceof Map<?, ?> values)) {
            throw new ApiException(400, "the body must be a JSON object of configuration properties, e.g. {\"key\": \"value\"}");
        }
        refuseFileBacked(pid, "change");
        Map<String, AttributeDefinition> ads = attributes(pid);
        Hashtable<String, Object> props = new Hashtable<>();
        for (Map.Entry<?, ?> e : values.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.equals(Constants.SERVICE_PID) || key.equals(ConfigurationAdmin.SERVICE_FACTORYPID) || key.equals(ConfigurationAdmin.SERVICE_BUNDLELOCATION)) {
                throw new ApiException(400, "\"" + key + "\" is set by ConfigAdmin, not by the caller");
            }
            Object v = e.getValue();
            if (v == null) {
                throw new ApiException(400, "\"" + key + "\" is null: leave the key out to have no value");
            }
            if (ads != null) {
                AttributeDefinition ad = ads.get(key);
                if (ad == null) {
                    throw new ApiException(400, "\"" + key + "\" is not a property of " + pid + " (it has: " + String.join(", ", new TreeMap<>(ads).keySet()) + ")");
                }
                props.put(key, typed(pid, key, ad, v));
            } else {
                props.put(key, plain(key, v));
            }
        }
        try {
            Configuration c = configAdmin.getConfiguration(pid, "?");
            c.update(props);
            return describe(c);
        } catch (IOException | IllegalStateException e) {
            throw new ApiException(500, "ConfigAdmin did not store " + pid + ": " + e.getMessage());
        }
    }

    Map<String, Object> delete(String pid) throws ApiException {
        Configuration c = existing(pid);
        refuseFileBacked(pid, "delete");
        Map<String, Object> was = describe(c);
        try {
            c.delete();
        } catch (IOException | IllegalStateException e) {
            throw new ApiException(500, "ConfigAdmin did not delete " + pid + ": " + e.getMessage());
        }
        return was;
    }

    /**
     * A configuration that FileInstall made from a file in the deploy directory belongs to that file:
     * the host does not write configurations back to files (FileInstall's write-back raced its own
     * directory scan and could empty the file: {@code felix.fileinstall.enableConfigSave=false} in the
     * host assembly), so a change made here would silently be undone by the file at the next host
     * start. Refused (409) with the file to edit instead.
     */
    private void refuseFileBacked(String pid, String what) throws ApiException {
        Configuration[] cs;
        try {
            cs = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
        } catch (IOException | InvalidSyntaxException e) {
            throw new ApiException(400, "pid " + pid + ": " + e.getMessage());
        }
        Dictionary<String, Object> props = cs == null || cs.length == 0 ? null : cs[0].getProperties();
        Object file = props == null ? null : props.get(FILEINSTALL_FILENAME);
        if (file != null) {
            throw new ApiException(409, "configuration " + pid + " comes from the file " + file
                    + " in the deploy directory: " + what + " that file instead (the host applies it within a second); "
                    + "a change made here would be undone by the file at the next start");
        }
    }

    private Configuration existing(String pid) throws ApiException {
        checkPid(pid);
        try {
            Configuration[] cs = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
            if (cs == null || cs.length == 0) {
                throw new ApiException(404, "no configuration with pid " + pid);
            }
            return cs[0];
        } catch (IOException | InvalidSyntaxException e) {
            throw new ApiException(400, "pid " + pid + ": " + e.getMessage());
        }
    }

    private static void checkPid(String pid) throws ApiException {
        if (pid.isEmpty() || !pid.matches("[A-Za-z0-9_.~-]+")) {
            throw new ApiException(400, "\"" + pid + "\" is not a configuration pid (letters, digits, '.', '-', '_', '~')");
        }
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }

    /** The metatype attributes of {@code pid} (of the bundle that describes it), or null if none does. */
    private Map<String, AttributeDefinition> attributes(String pid) {
        if (metaType == null) {
            return null;
        }
        for (Bundle b : context.getBundles()) {
            MetaTypeInformation info = metaType.getMetaTypeInformation(b);
            if (info == null) {
                continue;
            }
            boolean has = contains(info.getPids(), pid) || contains(info.getFactoryPids(), pid);
            if (!has) {
                continue;
            }
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
            Map<String, AttributeDefinition> m = new LinkedHashMap<>();
            AttributeDefinition[] all = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
            if (all != null) {
                for (AttributeDefinition ad : all) {
                    m.put(ad.getID(), ad);
                }
            }
            return m;
        }
        return null;
    }

    private static boolean contains(String[] a, String s) {
        if (a != null) {
            for (String x : a) {
                if (x.equals(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Object typed(String pid, String key, AttributeDefinition ad, Object v) throws ApiException {
        List<Object> items = v instanceof List<?> l ? new ArrayList<>(l) : List.of(v);
        if (ad.getCardinality() == 0 && items.size() != 1) {
            throw new ApiException(400, pid + " \"" + key + "\" takes one value, not a list");
        }
        List<Object> out = new ArrayList<>();
        for (Object item : items) {
            if (item instanceof Map || item instanceof List) {
                throw new ApiException(400, pid + " \"" + key + "\": " + item + " is not a plain value");
            }
            String text = String.valueOf(item);
            String invalid = ad.validate(text);
            if (invalid != null && !invalid.isEmpty()) {
                throw new ApiException(400, pid + " \"" + key + "\" = " + text + ": " + invalid);
            }
            try {
                out.add(switch (ad.getType()) {
                    case AttributeDefinition.INTEGER -> Integer.valueOf(text);
                    case AttributeDefinition.LONG -> Long.valueOf(text);
                    case AttributeDefinition.SHORT -> Short.valueOf(text);
                    case AttributeDefinition.BYTE -> Byte.valueOf(text);
                    case AttributeDefinition.DOUBLE -> Double.valueOf(text);
                    case AttributeDefinition.FLOAT -> Float.valueOf(text);
                    case AttributeDefinition.BOOLEAN -> {
                        if (!text.equals("true") && !text.equals("false")) {
                            throw new NumberFormatException("not true or false");
                        }
                        yield Boolean.valueOf(text);
                    }
                    case AttributeDefinition.CHARACTER -> {
                        if (text.length() != 1) {
                            throw new NumberFormatException("not one character");
                        }
                        yield text.charAt(0);
                    }
                    default -> text;
                });
            } catch (NumberFormatException e) {
                throw new ApiException(400, pid + " \"" + key + "\" = " + text + " is not a valid " + typeName(ad.getType()) + ": " + e.getMessage());
            }
        }
        if (ad.getCardinality() == 0) {
            return out.get(0);
        }
        Object[] arr = (Object[]) java.lang.reflect.Array.newInstance(out.get(0).getClass(), out.size());
        return out.toArray(arr);
    }

    private static String typeName(int type) {
        return switch (type) {
            case AttributeDefinition.INTEGER -> "integer";
            case AttributeDefinition.LONG -> "long";
            case AttributeDefinition.SHORT -> "short";
            case AttributeDefinition.BYTE -> "byte";
            case AttributeDefinition.DOUBLE -> "double";
            case AttributeDefinition.FLOAT -> "float";
            case AttributeDefinition.BOOLEAN -> "boolean";
            case AttributeDefinition.CHARACTER -> "character";
            default -> "string";
        };
    }

    private static Object plain(String key, Object v) throws ApiException {
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                return new String[0];
            }
            List<Object> conv = new ArrayList<>();
            for (Object o : l) {
                conv.add(plain(key, o));
            }
            Class<?> t = conv.get(0).getClass();
            if (conv.stream().anyMatch(o -> o.getClass() != t)) {
                throw new ApiException(400, "\"" + key + "\": the values of a list must all have one type");
            }
            return conv.toArray((Object[]) java.lang.reflect.Array.newInstance(t, conv.size()));
        }
        if (v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Number n) {
            return (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal) ? (Object) n.doubleValue() : (Object) n.longValue();
        }
        throw new ApiException(400, "\"" + key + "\": " + v + " is not a string, number, boolean or list of them");
    }

    static Map<String, Object> describe(Configuration c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", c.getPid());
        if (c.getFactoryPid() != null) {
            m.put("factoryPid", c.getFactoryPid());
        }
        Map<String, Object> props = new TreeMap<>();
        Dictionary<String, Object> d = c.getProperties();
        if (d != null) {
            for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                Object v = d.get(k);
                props.put(k, v != null && v.getClass().isArray() ? arrayToList(v) : v);
            }
        }
        m.put("properties", props);
        return m;
    }

    private static List<Object> arrayToList(Object arr) {
        int n = java.lang.reflect.Array.getLength(arr);
        List<Object> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(java.lang.reflect.Array.get(arr, i));
        }
        return l;
    }

}
